namespace Mta.Protocol;

/// <summary>Outcome of <see cref="DataDecoder.Decode"/>.</summary>
public enum DataDecodeStatus
{
    /// <summary>All input was consumed and the end of data has not been seen.</summary>
    NeedMoreData,

    /// <summary>The end of data was consumed; input now starts with what followed it.</summary>
    Complete,
}
