// Rho1's tokenizer.json reader against Hugging Face's tokenizers library (Rust, through Tokenizers.DotNet) on the same
// documents, one thread each: how many documents get identical ids, and each side's MB/s (median of three passes after
// a warm-up pass). Usage: dotnet run -c Release -- MODEL_DIR CORPUS.jsonl [MAX_DOCS]
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Rho1.Data.Tokenizers;

string dir = args[0];
var docs = File.ReadLines(args[1]).Select(l => JsonNode.Parse(l)!["text"]!.GetValue<string>()).Take(args.Length > 2 ? int.Parse(args[2]) : int.MaxValue).ToList();
double megabytes = docs.Sum(d => Encoding.UTF8.GetByteCount(d)) / 1e6;
var ours = TokenizerFactory.Create("hf:" + dir);
var theirs = new Tokenizers.DotNet.Tokenizer(vocabPath: Path.Combine(dir, "tokenizer.json"));

int same = 0;
string? firstDifference = null;
foreach (var doc in docs)
{
    int[] a = ours.Encode(doc);
    uint[] b = theirs.Encode(doc);
    if (a.Length == b.Length && a.Zip(b).All(p => p.First == p.Second)) same++;
    else firstDifference ??= $"{doc[..Math.Min(80, doc.Length)]}…: Rho1 [{string.Join(",", a.Take(12))}…] HF [{string.Join(",", b.Take(12))}…]";
}

double Rate(Action<string> encode)
{
    foreach (var doc in docs) encode(doc); // warm-up
    var rates = new List<double>();
    for (int pass = 0; pass < 3; pass++)
    {
        var clock = Stopwatch.StartNew();
        foreach (var doc in docs) encode(doc);
        rates.Add(megabytes / clock.Elapsed.TotalSeconds);
    }
    rates.Sort();
    return rates[1];
}

double rho1 = Rate(d => ours.Encode(d)), hf = Rate(d => theirs.Encode(d));
Console.WriteLine($"{args[0]}: {docs.Count} documents, {megabytes:F2} MB; identical ids {same}/{docs.Count}; " +
    $"Rho1 {rho1:F2} MB/s, Hugging Face (Tokenizers.DotNet) {hf:F2} MB/s, ratio {rho1 / hf:F2}");
if (firstDifference != null) Console.WriteLine($"  first difference: {firstDifference}");
