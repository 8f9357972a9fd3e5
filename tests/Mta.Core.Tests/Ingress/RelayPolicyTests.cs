using Mta.Core.Configuration;
using Mta.Core.Ingress;
using Xunit;

namespace Mta.Core.Tests.Ingress;

public sealed class RelayPolicyTests
{
    private static readonly Restriction[] Default = [Restriction.PermitMynetworks, Restriction.RejectUnauthDestination];

    [Theory]
    [InlineData(true, true, null)]
    [InlineData(true, false, null)]
    [InlineData(false, true, null)]
    [InlineData(false, false, 554)]
    public void Default_list_lets_mynetworks_relay_and_others_only_reach_our_domains(bool mynetworks, bool ours, int? code)
    {
        var reply = RelayPolicy.Evaluate(Default, new RelayContext(mynetworks, ours, "u@remote.example"));
        Assert.Equal(code, reply?.Code);
        if (reply is not null)
        {
            Assert.Equal("5.7.1", reply.EnhancedCode);
            Assert.Equal("<u@remote.example>: Relay access denied", reply.Lines[0]);
        }
    }

    [Fact]
    public void First_decision_wins()
    {
        Assert.Null(RelayPolicy.Evaluate([Restriction.Permit, Restriction.Reject], new RelayContext(false, false, "u@x")));
        Assert.Equal(554, RelayPolicy.Evaluate([Restriction.Reject, Restriction.Permit], new RelayContext(true, true, "u@x"))?.Code);
    }

    [Fact]
    public void Defer_unauth_destination_is_temporary()
    {
        var reply = RelayPolicy.Evaluate([Restriction.DeferUnauthDestination], new RelayContext(false, false, "u@x"));
        Assert.Equal(454, reply?.Code);
        Assert.Equal("4.7.1", reply?.EnhancedCode);
    }

    [Fact]
    public void Falling_off_the_end_permits()
    {
        Assert.Null(RelayPolicy.Evaluate([Restriction.RejectUnauthDestination], new RelayContext(false, true, "u@x")));
    }
}
