//! Which burn backend and device the model stages compute on: `ndarray` (pure Rust, on the CPU,
//! always built) or `tch` (libtorch, on the CPU or a CUDA device; built with the `gpu` feature).
//! Train and explore take `--backend` and `--device` and hand a job generic over the backend to
//! [`Compute::run`], which monomorphises it for the chosen one.

use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;

/// The autodiff backend on the CPU in every build.
pub type NdArrayCpu = burn::backend::Autodiff<burn::backend::NdArray<f32>>;
/// The autodiff backend on libtorch (builds with the `gpu` feature).
#[cfg(feature = "gpu")]
pub type Tch = burn::backend::Autodiff<burn::backend::LibTorch<f32>>;

/// A backend and device, as `--backend` and `--device` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compute {
    /// burn-ndarray on the CPU.
    NdArrayCpu,
    /// libtorch on the CPU.
    #[cfg(feature = "gpu")]
    TchCpu,
    /// libtorch on CUDA device N.
    #[cfg(feature = "gpu")]
    TchCuda(usize),
}

impl Compute {
    /// Parses `--backend` (`ndarray`, `tch`, or none: ndarray on the CPU, tch on CUDA) and
    /// `--device` (`cpu`, `cuda`, `cuda:N`).
    pub fn parse(backend: Option<&str>, device: &str) -> Result<Compute> {
        let cuda = match device {
            "cpu" => None,
            "cuda" => Some(0),
            other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(index)) => Some(index),
                _ => bail!("unknown --device {other}: use cpu, cuda or cuda:N"),
            },
        };
        match (backend.unwrap_or(if cuda.is_some() { "tch" } else { "ndarray" }), cuda) {
            ("ndarray", None) => Ok(Compute::NdArrayCpu),
            ("ndarray", Some(_)) => {
                bail!("--backend ndarray runs on the CPU only: use --backend tch with --device {device}")
            }
            #[cfg(feature = "gpu")]
            ("tch", None) => Ok(Compute::TchCpu),
            #[cfg(feature = "gpu")]
            ("tch", Some(index)) => Ok(Compute::TchCuda(index)),
            #[cfg(not(feature = "gpu"))]
            ("tch", _) => bail!(
                "--backend tch / --device {device}: this binary was built without the `gpu` feature (cargo build --release -p train -p explore --features gpu, with libtorch; see the README)"
            ),
            (other, _) => bail!("unknown --backend {other}: use ndarray or tch"),
        }
    }

    /// The name recorded in manifests and metrics: `cpu`, `tch-cpu` or `cuda:N`.
    pub fn name(&self) -> String {
        match self {
            Compute::NdArrayCpu => "cpu".into(),
            #[cfg(feature = "gpu")]
            Compute::TchCpu => "tch-cpu".into(),
            #[cfg(feature = "gpu")]
            Compute::TchCuda(index) => format!("cuda:{index}"),
        }
    }

    /// Runs `job` on this backend and device.
    pub async fn run<J: BackendJob>(self, job: J) -> Result<J::Output> {
        match self {
            Compute::NdArrayCpu => job.run::<NdArrayCpu>(Default::default()).await,
            #[cfg(feature = "gpu")]
            Compute::TchCpu => job.run::<Tch>(burn::backend::libtorch::LibTorchDevice::Cpu).await,
            #[cfg(feature = "gpu")]
            Compute::TchCuda(index) => job.run::<Tch>(burn::backend::libtorch::LibTorchDevice::Cuda(index)).await,
        }
    }
}

/// Work generic over the autodiff backend, run by [`Compute::run`].
pub trait BackendJob {
    type Output;
    /// Runs on backend `B` and `device`.
    fn run<B: AutodiffBackend>(self, device: B::Device) -> impl Future<Output = Result<Self::Output>>;
}

#[cfg(test)]
mod tests {
    use super::Compute;

    #[test]
    fn backends_and_devices_parse() {
        assert_eq!(Compute::parse(None, "cpu").unwrap(), Compute::NdArrayCpu);
        assert_eq!(Compute::parse(Some("ndarray"), "cpu").unwrap().name(), "cpu");
        let err = |backend, device| Compute::parse(backend, device).unwrap_err().to_string();
        assert!(err(Some("ndarray"), "cuda:1").contains("CPU only"));
        assert!(err(None, "tpu").contains("unknown --device tpu"));
        assert!(err(Some("jax"), "cpu").contains("unknown --backend jax"));
        assert!(err(None, "cuda:x").contains("unknown --device cuda:x"));
        if cfg!(feature = "gpu") {
            assert_eq!(Compute::parse(Some("tch"), "cpu").unwrap().name(), "tch-cpu");
            assert_eq!(Compute::parse(None, "cuda").unwrap().name(), "cuda:0");
            assert_eq!(Compute::parse(None, "cuda:2").unwrap().name(), "cuda:2");
        } else {
            assert!(err(Some("tch"), "cpu").contains("without the `gpu` feature"));
            assert!(err(None, "cuda").contains("without the `gpu` feature"));
        }
    }
}
