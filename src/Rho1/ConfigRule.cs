// The one way config validation reports a broken rule: "key=value: rule", as a user error (exit 2).

namespace Rho1;

internal static class ConfigRule
{
    public static void Require(bool ok, string key, object value, string rule)
    {
        if (!ok)
            throw new UserErrorException($"{key}={value}: {rule}");
    }
}
