// What an objective factory may look at when a run starts: the resolved config, the device and the data.
using Rho1.Data.Reading;
using Rho1.Training.Configuration;
using static TorchSharp.torch;

namespace Rho1.Training;

public sealed record TrainingSetup(RunConfig Config, Device Device, TokenDataset Dataset);
