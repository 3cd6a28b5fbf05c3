using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Mqtt;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Device.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
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
        builder.Services.AddSingleton<MqttCounters>();
        builder.Services.AddSingleton<SystemdNotifier>();
        // Reporters first: hosted services start in order, so they subscribe before the loop publishes, and stop
        // after it, so they write what it handed over.
        builder.Services.AddHostedService<RuleEventLogger>();
        builder.Services.AddSingleton<MqttPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MqttPublisher>());
        // Before the loop: it writes what the loop hands over, and stops after it, so the last triggers are kept.
        builder.Services.AddSingleton<EventSnapshots>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EventSnapshots>());
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

    /// <summary>Binds every options class to its section and validates it at start.</summary>
    public static IServiceCollection AddDeviceOptions(this IServiceCollection services)
    {
        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section).ValidateOnStart();
        services.AddOptions<SourceOptions>().BindConfiguration(SourceOptions.Section).ValidateOnStart();
        services.AddOptions<GpioOptions>().BindConfiguration(GpioOptions.Section).ValidateOnStart();
        services.AddOptions<OutputList>().BindConfiguration(OutputList.Section).ValidateOnStart();
        services.AddOptions<RuleList>().BindConfiguration(RuleList.Section).ValidateOnStart();
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateOnStart();
        services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.Section).ValidateOnStart();
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateOnStart();
        services.AddOptions<MotionGateOptions>().BindConfiguration(MotionGateOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>>(new OptionsValidator<ModelOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<SourceOptions>>(new OptionsValidator<SourceOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<GpioOptions>>(new OptionsValidator<GpioOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<RuleList>, RuleListValidator>();
        services.AddSingleton<IValidateOptions<HttpOptions>>(new OptionsValidator<HttpOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<MqttOptions>>(new OptionsValidator<MqttOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<EventsOptions>>(new OptionsValidator<EventsOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<MotionGateOptions>>(new OptionsValidator<MotionGateOptions>(o => o.Validate()));
        // Keys no options class has (a typo such as ActivLow) are errors too; the model's check also covers unknown sections.
        string[] sections = [ModelOptions.Section, SourceOptions.Section, GpioOptions.Section, OutputList.Section, RuleList.Section, HttpOptions.Section, MqttOptions.Section, EventsOptions.Section, MotionGateOptions.Section];
        services.AddSingleton<IValidateOptions<ModelOptions>>(s => new UnknownKeys.Validator<ModelOptions>(s.GetRequiredService<IConfiguration>(), ModelOptions.Section, sections));
        services.AddSingleton<IValidateOptions<SourceOptions>>(s => new UnknownKeys.Validator<SourceOptions>(s.GetRequiredService<IConfiguration>(), SourceOptions.Section));
        services.AddSingleton<IValidateOptions<GpioOptions>>(s => new UnknownKeys.Validator<GpioOptions>(s.GetRequiredService<IConfiguration>(), GpioOptions.Section));
        services.AddSingleton<IValidateOptions<OutputList>>(s => new UnknownKeys.Validator<OutputList>(s.GetRequiredService<IConfiguration>(), OutputList.Section));
        services.AddSingleton<IValidateOptions<RuleList>>(s => new UnknownKeys.Validator<RuleList>(s.GetRequiredService<IConfiguration>(), RuleList.Section));
        services.AddSingleton<IValidateOptions<HttpOptions>>(s => new UnknownKeys.Validator<HttpOptions>(s.GetRequiredService<IConfiguration>(), HttpOptions.Section));
        services.AddSingleton<IValidateOptions<MqttOptions>>(s => new UnknownKeys.Validator<MqttOptions>(s.GetRequiredService<IConfiguration>(), MqttOptions.Section));
        services.AddSingleton<IValidateOptions<EventsOptions>>(s => new UnknownKeys.Validator<EventsOptions>(s.GetRequiredService<IConfiguration>(), EventsOptions.Section));
        services.AddSingleton<IValidateOptions<MotionGateOptions>>(s => new UnknownKeys.Validator<MotionGateOptions>(s.GetRequiredService<IConfiguration>(), MotionGateOptions.Section));
        return services;
    }
}
