# Shared by the one-machine benchmark scripts (bench.sh, bench-memory.sh, bench-plan.sh, bench-vocab.sh, bench-tasks.sh; sourced, not
# run): "[--quick] [WORKDIR]" into $quick and $work, GNU time required, the CLI built once into $dll, log, and the CPU's
# name and native-bf16 flags ($cpu, $flags) that every published number names. The caller sets $repo first.
# Time: none of its own (sourced; the build it makes takes about 30 s).

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

cpu_bench_setup() { # the script's "$@"
    quick=0
    if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
    work=${1:-$(mktemp -d)}
    mkdir -p "$work"
    command -v /usr/bin/time > /dev/null || { echo "$(basename "$0") needs GNU time: apt-get install -y time" >&2; exit 2; }
    dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
    dll="$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll"
    flags=$(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ' || true)
    cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
}
