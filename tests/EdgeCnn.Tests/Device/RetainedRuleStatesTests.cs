using EdgeCnn.Device.Mqtt;

namespace EdgeCnn.Tests.Device;

public sealed class RetainedRuleStatesTests
{
    [Fact]
    public void Only_changes_are_published_and_a_reconnect_publishes_every_state_again_as_the_events_left_it()
    {
        var states = new RetainedRuleStates();
        states.Connected(2);
        Assert.Equal(["OFF", "OFF"], [states.ByEvents(0), states.ByEvents(1)]);
        Assert.True(states.Changes(0, "OFF")); // never published yet
        states.Published(0, "OFF");
        Assert.False(states.Changes(0, "OFF"));
        Assert.True(states.Changes(0, "ON"));
        states.Published(0, "ON");

        // The broker went away and came back: the retained topics are sent again, rule 0 still ON by its events.
        states.Connected(2);
        Assert.Equal("ON", states.ByEvents(0));
        Assert.True(states.Changes(0, "ON"));
    }
}
