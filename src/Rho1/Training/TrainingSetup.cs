// What an objective factory may look at when a run starts: the resolved config, the device, the data and the
// job's collectives (null: one process).
using Rho1.Data.Reading;
using Rho1.Distributed;
using Rho1.Training.Configuration;
using static TorchSharp.torch;

namespace Rho1.Training;

public sealed record TrainingSetup(RunConfig Config, Device Device, TokenDataset Dataset, ICollectives? World = null);
