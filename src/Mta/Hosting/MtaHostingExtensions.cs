using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mta.Core;
using Mta.Core.Configuration;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace Mta.Hosting;

/// <summary>Composition of an MTA node with Akka.Hosting.</summary>
public static class MtaHostingExtensions
{
    /// <summary>Adds the actor system configured for the node and a hosted service that runs the node.</summary>
    public static IServiceCollection AddMta(this IServiceCollection services, MtaSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddAkka("mta", (akka, _) =>
        {
            akka.AddHocon(MtaNode.AkkaConfig(settings.DataDir), HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = AkkaLogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
        });
        services.AddHostedService<MtaNodeService>();
        return services;
    }

    /// <summary>Starts the node when the host starts and stops it gracefully before the actor system goes down.</summary>
    private sealed class MtaNodeService(ActorSystem system, MtaSettings settings, ILoggerFactory loggerFactory, TimeProvider clock) : IHostedService
    {
        private MtaNode? _node;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _node = MtaNode.Start(system, settings, loggerFactory, clock);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => _node?.StopAsync() ?? Task.CompletedTask;
    }
}
