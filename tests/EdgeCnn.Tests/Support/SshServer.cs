namespace EdgeCnn.Tests.Support;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for one test: its own host key, a throwaway client
/// key, and when the tests run as root, a throwaway user that is deleted afterwards.
/// </summary>
internal sealed class SshServer : LoopbackServer
{
    private readonly string _config;
    private readonly bool _createdUser;

    public SshServer(string folder)
    {
        Directory.CreateDirectory(folder);
        Home = Path.Combine(folder, "home");
        Directory.CreateDirectory(Home);
        if (Environment.UserName == "root")
        {
            User = $"ecdeploy{Random.Shared.Next(100000, 999999)}";
            Must("useradd", ["-M", "-d", Home, "-s", "/bin/bash", User]);
            Must("usermod", ["-p", "*", User]); // no password, yet not "locked", which sshd would refuse
            Must("chown", [User, Home]);
            _createdUser = true;
        }
        else
        {
            User = Environment.UserName;
        }
        string hostKey = Path.Combine(folder, "host_ed25519");
        ClientKey = Path.Combine(folder, "client_ed25519");
        Must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
        Must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ClientKey]);
        string authorized = Path.Combine(folder, "authorized_keys");
        File.Copy(ClientKey + ".pub", authorized);

        _config = Path.Combine(folder, "sshd_config");
        File.WriteAllLines(_config,
        [
            $"Port {Port}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}", $"AuthorizedKeysFile {authorized}",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "PidFile none",
            "PermitRootLogin prohibit-password", $"AllowUsers {User}", "LogLevel ERROR", "Subsystem sftp internal-sftp",
        ]);
        if (Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
        Start();
    }

    protected override (string Program, string[] Arguments) Command => ("/usr/sbin/sshd", ["-D", "-e", "-f", _config]);

    public string User { get; }

    public string Home { get; }

    public string ClientKey { get; }

    public string Target => $"{User}@127.0.0.1";

    /// <summary>ssh options for a server whose host key no known_hosts file has seen.</summary>
    public static string Options => "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";

    /// <summary>Makes <paramref name="path"/> belong to the ssh user, so it can deploy there without sudo.</summary>
    public void GiveToUser(string path)
    {
        Directory.CreateDirectory(path);
        if (_createdUser) Must("chown", ["-R", User, path]);
    }

    public override void Dispose()
    {
        Stop();
        if (_createdUser) Repository.Run("userdel", [User]);
    }
}
