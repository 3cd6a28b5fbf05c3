using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using System.Device.I2c;
using EdgeCnn.Device.Display;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Http;
using EdgeCnn.Device.Inputs;
using EdgeCnn.Device.Mqtt;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Device.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Hosting;

/// <summary>Builds the device's Generic Host: configuration, validated options, the frame loop and its reporters.</summary>
public static class DeviceHost
{
    /// <summary>
    /// A host for the <c>run</c> verb. <paramref name="configure"/> lets tests and other verbs add or replace
    /// services (and configuration) before it is built.
    /// </summary>
    public static IHost Build(string? configFile, Action<HostApplicationBuilder>? configure = null, string? systemFile = DeviceConfiguration.SystemFile)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "edgecnn-device",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddDeviceSources(configFile, systemFile);
        ValidateLogLevels(builder.Configuration);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        // The host would log a start failure with its stack trace; the verbs print it as one line that names the key or file.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddConsole(o => o.FormatterName = DeviceConsoleFormatter.FormatterName)
            .AddConsoleFormatter<DeviceConsoleFormatter, ConsoleFormatterOptions>();
        // Not AddSystemd: its lifetime sends READY=1 when the host has started, before any frame is classified, and
        // only when it sees systemd as the parent process. SystemdNotifier sends READY=1 after the first classified
        // frame, and DeviceConsoleFormatter writes the journal's priorities, both from what systemd puts in the environment.
        builder.Services.AddDeviceOptions();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FrameSourceOpener>(FrameSourceFactory.Open);
        builder.Services.AddSingleton<FrameStatistics>();
        builder.Services.AddSingleton<RuleEventBus>();
        builder.Services.AddSingleton<SystemdNotifier>();
        // Before everything that reads or changes it: the loop's outputs, MQTT's switch, the page's buttons.
        builder.Services.AddSingleton(services => new ArmSwitch(
            services.GetRequiredService<IOptions<ArmingOptions>>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ArmSwitch>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<ArmSwitch>());
        // Before the loop, which takes the motion sensor as its throttle.
        builder.Services.AddSingleton(services => new InputPanel(
            services.GetRequiredService<IOptions<InputsOptions>>(),
            () => new GpioHardware(services.GetRequiredService<IOptions<GpioOptions>>().Value, services.GetRequiredService<ILoggerFactory>()).OpenController(),
            services.GetRequiredService<ArmSwitch>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<InputPanel>());
        // Reporters first: hosted services start in order, so they subscribe before the loop publishes, and stop
        // after it, so they write what it handed over.
        builder.Services.AddHostedService<RuleEventLogger>();
        // The publisher's own counters: it writes them; reporters read them through IMqttStatus only.
        builder.Services.AddSingleton<MqttCounters>();
        builder.Services.AddSingleton<IMqttStatus>(services => services.GetRequiredService<MqttCounters>());
        builder.Services.AddSingleton<MqttPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MqttPublisher>());

        // Before the loop: it writes what the loop hands over, and stops after it, so the last triggers are kept.
        builder.Services.AddSingleton<EventSnapshots>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EventSnapshots>());
        // A reader of rule events: subscribes before the loop starts.
        builder.Services.AddSingleton<Func<I2cConnectionSettings, I2cDevice>>(I2cDevice.Create);
        builder.Services.AddSingleton<StatusDisplay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StatusDisplay>());
        builder.Services.AddSingleton<FrameLoopService>();
        // What the reporters read: the loop's side, read-only.
        builder.Services.AddSingleton<IDeviceState>(services => services.GetRequiredService<FrameLoopService>());
        builder.Services.AddHostedService(services => services.GetRequiredService<FrameLoopService>());
        // After the loop, so it starts once there is something to show and stops before the loop does.
        builder.Services.AddSingleton<StatusServer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StatusServer>());
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>The settings sections, each with the options class it binds to: the host binds and validates them all, and <c>check</c> reads them all.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> SectionTypes =
    [
        (ModelOptions.Section, typeof(ModelOptions)), (SourceOptions.Section, typeof(SourceOptions)), (GpioOptions.Section, typeof(GpioOptions)),
        (OutputList.Section, typeof(OutputList)), (RuleList.Section, typeof(RuleList)), (HttpOptions.Section, typeof(HttpOptions)),
        (MqttOptions.Section, typeof(MqttOptions)), (EventsOptions.Section, typeof(EventsOptions)), (MotionGateOptions.Section, typeof(MotionGateOptions)),
        (ArmingOptions.Section, typeof(ArmingOptions)), (InputsOptions.Section, typeof(InputsOptions)), (DisplayOptions.Section, typeof(DisplayOptions)),
    ];

    /// <summary>The settings sections' names.</summary>
    public static readonly IReadOnlyList<string> Sections = [.. SectionTypes.Select(s => s.Section)];

    /// <summary>
    /// Binds every options class to its section and validates it at start: first its shape (no unknown key, every
    /// value of its setting's type; the model's section also reports unknown sections), then its own rules.
    /// </summary>
    public static IServiceCollection AddDeviceOptions(this IServiceCollection services)
    {
        Add<ModelOptions>(services, ModelOptions.Section, o => o.Validate(), Sections);
        Add<SourceOptions>(services, SourceOptions.Section, o => o.Validate());
        Add<GpioOptions>(services, GpioOptions.Section, o => o.Validate());
        Add<OutputList>(services, OutputList.Section, validate: null);
        Add<RuleList>(services, RuleList.Section, validate: null);
        services.AddSingleton<IValidateOptions<RuleList>, RuleListValidator>();
        Add<HttpOptions>(services, HttpOptions.Section, o => o.Validate());
        Add<MqttOptions>(services, MqttOptions.Section, o => o.Validate());
        Add<EventsOptions>(services, EventsOptions.Section, o => o.Validate());
        Add<MotionGateOptions>(services, MotionGateOptions.Section, o => o.Validate());
        Add<ArmingOptions>(services, ArmingOptions.Section, o => o.Validate());
        Add<InputsOptions>(services, InputsOptions.Section, o => o.Validate());
        services.AddSingleton<IValidateOptions<InputsOptions>, InputPinsValidator>();
        Add<DisplayOptions>(services, DisplayOptions.Section, o => o.Validate());
        return services;
    }

    /// <summary>
    /// Throws the log levels under <c>Logging</c> that are not levels as a configuration error naming each key: the
    /// logging setup would otherwise fail with a message that names none, and exit as if the fault might pass.
    /// </summary>
    public static void ValidateLogLevels(IConfiguration configuration)
    {
        List<string> problems = SettingsShape.LogLevels(configuration);
        if (problems.Count > 0) throw new OptionsValidationException("Logging", typeof(LoggerFilterOptions), problems);
    }

    private static void Add<TOptions>(IServiceCollection services, string section, Action<TOptions>? validate, IReadOnlyCollection<string>? allSections = null)
        where TOptions : class
    {
        OptionsBuilder<TOptions> options = services.AddOptions<TOptions>();
        // Before the binding, which throws on (or, in a list, silently drops) a value it cannot convert.
        services.AddSingleton<IConfigureOptions<TOptions>>(s => new SettingsShape.Check<TOptions>(s.GetRequiredService<IConfiguration>(), section, allSections));
        options.BindConfiguration(section).ValidateOnStart();
        if (validate is not null) services.AddSingleton<IValidateOptions<TOptions>>(new OptionsValidator<TOptions>(validate));
    }
}
