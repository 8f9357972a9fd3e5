using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mta.Admin;
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
        services.AddSingleton<NodeState>();

        // Kestrel logs every request at Information; Prometheus and the probes ask every few seconds.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
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

    /// <summary>
    /// Starts the admin endpoint (when configured) and then the node when the host starts; on stop,
    /// reports not ready first, stops the node gracefully, then the endpoint, all before the actor
    /// system goes down.
    /// </summary>
    private sealed class MtaNodeService(ActorSystem system, MtaSettings settings, NodeState state, ILoggerFactory loggerFactory, TimeProvider clock) : IHostedService
    {
        private MtaNode? _node;
        private MetricsCollector? _metrics;
        private AdminEndpoint? _admin;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                // The endpoint comes first: liveness answers while the node starts, and the metrics
                // count from the first session on.
                if (settings.Admin.Listen is { } listen)
                {
                    string token = AdminToken.Generate();
                    AdminToken.Write(settings.Admin.TokenFile, token);
                    _metrics = new MetricsCollector(MtaMetrics.MeterName);
                    _admin = await AdminEndpoint.StartAsync(new AdminEndpointOptions(listen, token, AdminEndpointOptions.DefaultQueueAskTimeout),
                        state, _metrics, loggerFactory, cancellationToken).ConfigureAwait(false);
                }

                _node = MtaNode.Start(system, settings, loggerFactory, clock);
            }
            catch
            {
                await StopAdminAsync().ConfigureAwait(false);
                throw;
            }

            state.Started(_node.Queue);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            state.Stopping();
            if (_node is not null) await _node.StopAsync().ConfigureAwait(false);
            await StopAdminAsync().ConfigureAwait(false);
        }

        private async Task StopAdminAsync()
        {
            if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
            _metrics?.Dispose();
            _admin = null;
            _metrics = null;
        }
    }
}
