namespace Mta.Core.Spool;

/// <summary>A contiguous run of a message body inside one spool segment file.</summary>
public readonly record struct SpoolExtent(long Segment, long Offset, int Length);

/// <summary>Where a message body lives in the spool: its extents in order, and its total length.</summary>
public sealed record SpoolBody(SpoolExtent[] Extents, long Length)
{
    /// <summary>The distinct segments the body touches, in order of first use.</summary>
    public IEnumerable<long> Segments()
    {
        long previous = -1;
        foreach (var extent in Extents)
        {
            if (extent.Segment == previous) continue;
            previous = extent.Segment;
            yield return extent.Segment;
        }
    }
}
