namespace EdgeCnn.Device.Mqtt;

/// <summary>
/// Each rule's state (<c>ON</c>/<c>OFF</c>) as the events handed over so far say, and as last published to its
/// retained topic. Published states follow the events in order, so a subscriber never sees a state the events have
/// not reached yet; and only a change is published. Pure bookkeeping: the publisher does the sending.
/// </summary>
public sealed class RetainedRuleStates
{
    private string[] _byEvents = [];
    private string?[] _published = [];

    /// <summary>The number of rules.</summary>
    public int Count => _byEvents.Length;

    /// <summary>The state the events so far give rule <paramref name="rule"/>.</summary>
    public string ByEvents(int rule) => _byEvents[rule];

    /// <summary>
    /// After (re)connecting: nothing counts as published any more, so every state goes out again. The states the
    /// events gave are kept across a reconnect; at first every rule is <c>OFF</c>.
    /// </summary>
    public void Connected(int rules)
    {
        if (_byEvents.Length != rules) _byEvents = [.. Enumerable.Repeat("OFF", rules)];
        _published = new string?[rules];
    }

    /// <summary>Records that rule <paramref name="rule"/> is now <paramref name="state"/>; whether that needs publishing.</summary>
    public bool Changes(int rule, string state)
    {
        _byEvents[rule] = state;
        return _published[rule] != state;
    }

    /// <summary>Records that <paramref name="state"/> was published for rule <paramref name="rule"/>.</summary>
    public void Published(int rule, string state) => _published[rule] = state;
}
