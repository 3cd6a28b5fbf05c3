using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using System.Device.I2c;
using EdgeCnn.Device.Display;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Http;
using EdgeCnn.Device.Inputs;
using EdgeCnn.Device.Loop;
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
        AddLogging(builder);
        builder.Services.AddDeviceOptions();
        AddSharedParts(builder.Services);
        AddServicesInStartOrder(builder.Services);
        configure?.Invoke(builder);
        return builder.Build();
    }

    private static void AddLogging(HostApplicationBuilder builder)
    {
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        // The host would log a start failure with its stack trace; the verbs print it as one line that names the key or file.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddConsole(o => o.FormatterName = DeviceConsoleFormatter.FormatterName)
            .AddConsoleFormatter<DeviceConsoleFormatter, ConsoleFormatterOptions>();
        // Not AddSystemd: its lifetime sends READY=1 when the host has started, before any frame is classified, and
        // only when it sees systemd as the parent process. SystemdNotifier sends READY=1 after the first classified
        // frame, and DeviceConsoleFormatter writes the journal's priorities, both from what systemd puts in the environment.
    }

    // What the loop and the reporters share: the clock, the settings, the statistics, the event bus, systemd.
    private static void AddSharedParts(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<FrameSourceOpener>(FrameSourceFactory.Open);
        services.AddSingleton<FrameStatistics>();
        services.AddSingleton<RuleEventBus>();
        services.AddSingleton<SystemdNotifier>();
        services.AddSingleton<DeviceSettings>();
        services.AddSingleton<LoopListeners>();
        services.AddSingleton<DeviceView>();
        // The publisher's own counters: it writes them; reporters read them through IMqttStatus only.
        services.AddSingleton<MqttCounters>();
        services.AddSingleton<IMqttStatus>(s => s.GetRequiredService<MqttCounters>());
        services.AddSingleton<Func<I2cConnectionSettings, I2cDevice>>(I2cDevice.Create);
        // The frame pipeline, built once when the loop's service starts; reporters read it as IDeviceState.
        services.AddSingleton<DeviceRuntime>();
        services.AddSingleton<IDeviceState>(s => s.GetRequiredService<DeviceRuntime>());
    }

    // Hosted services start in the order they are added and stop in the reverse order: that order is the design.
    private static void AddServicesInStartOrder(IServiceCollection services)
    {
        // Before everything that reads or changes it: the loop's outputs, MQTT's switch, the page's buttons.
        AddHosted(services, s => new ArmSwitch(s.GetRequiredService<IOptions<ArmingOptions>>(), s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<ArmSwitch>>()));
        // Before the loop, which takes the motion sensor as its throttle.
        AddHosted(services, s => new InputPanel(
            s.GetRequiredService<IOptions<InputsOptions>>(),
            () => new GpioHardware(s.GetRequiredService<IOptions<GpioOptions>>().Value, s.GetRequiredService<ILoggerFactory>()).OpenController(),
            s.GetRequiredService<ArmSwitch>(), s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILoggerFactory>()));
        // Readers of rule events: they subscribe before the loop publishes, and stop after it, so they write what it handed over.
        services.AddHostedService<RuleEventLogger>();
        AddHosted<MqttPublisher>(services);
        // It writes the trigger snapshots the loop hands over, and stops after it, so the last triggers are kept.
        AddHosted<EventSnapshots>(services);
        AddHosted<StatusDisplay>(services);
        AddHosted<FrameLoopService>(services);
        // After the loop, so it starts once there is something to show and stops before the loop does.
        AddHosted<StatusServer>(services);
    }

    // A singleton that is also a hosted service (so tests and verbs can reach it), made by the container.
    private static void AddHosted<TService>(IServiceCollection services) where TService : class, IHostedService
    {
        services.AddSingleton<TService>();
        services.AddHostedService(s => s.GetRequiredService<TService>());
    }

    private static void AddHosted<TService>(IServiceCollection services, Func<IServiceProvider, TService> make) where TService : class, IHostedService
    {
        services.AddSingleton(make);
        services.AddHostedService(s => s.GetRequiredService<TService>());
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
