namespace EdgeCnn.Tests.Support;

/// <summary>
/// A real Mosquitto broker (Debian's mosquitto) on 127.0.0.1 for one test, with a password file; it can be stopped
/// and started again on the same port, as a broker that goes away and comes back.
/// </summary>
internal sealed class MosquittoBroker : LoopbackServer
{
    private readonly string _config;

    public MosquittoBroker(string folder)
    {
        Directory.CreateDirectory(folder);
        string passwords = Path.Combine(folder, "passwords");
        Must("mosquitto_passwd", ["-b", "-c", passwords, User, Password]);
        _config = Path.Combine(folder, "mosquitto.conf");
        // As root, mosquitto would switch to the 'mosquitto' user, which cannot read the test's files.
        string[] user = Environment.UserName == "root" ? ["user root"] : [];
        File.WriteAllLines(_config, [$"listener {Port} 127.0.0.1", "allow_anonymous false", $"password_file {passwords}", "persistence false", "log_dest stderr", .. user]);
        Start();
    }

    public const string User = "edgecnn";

    public const string Password = "s3cret-broker-password";

    protected override (string Program, string[] Arguments) Command => ("/usr/sbin/mosquitto", ["-c", _config]);
}
