namespace Mta.Core.Configuration;

/// <summary>Levenshtein distance, used to suggest the key or name an operator probably meant.</summary>
internal static class EditDistance
{
    /// <summary>The candidate closest to <paramref name="text"/> ignoring case; the first one on a tie.</summary>
    public static string Closest(string text, IEnumerable<string> candidates)
    {
        string best = string.Empty;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Between(text, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Insertions, deletions and substitutions needed to turn one string into the other, ignoring case.</summary>
    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
