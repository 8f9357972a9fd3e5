using System.CommandLine;
using Mta.Cli;

return await MtaCommandLine.Build().Parse(args).InvokeAsync();
