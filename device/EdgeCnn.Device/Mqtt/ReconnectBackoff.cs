namespace EdgeCnn.Device.Mqtt;

/// <summary>
/// How long to wait before reconnecting to the broker: doubling from <c>first</c> to <c>longest</c> on each failure,
/// and starting again from <c>first</c> only after a connection that lasted <c>longest</c>. A connection that is
/// taken over at once (another client with the same id, a broker that accepts and then drops) therefore keeps backing
/// off instead of reconnecting at the first delay forever. Pure: time is passed in.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan first, TimeSpan longest)
{
    private readonly TimeSpan _first = first;
    private TimeSpan _next = first;

    /// <summary>
    /// The wait before the next attempt, after a failure. <paramref name="connectionLasted"/> is how long the
    /// connection that just ended had been up (null when the attempt to connect failed).
    /// </summary>
    public TimeSpan Failed(TimeSpan? connectionLasted)
    {
        if (connectionLasted >= longest) _next = _first;
        TimeSpan wait = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, longest.Ticks));
        return wait;
    }
}
