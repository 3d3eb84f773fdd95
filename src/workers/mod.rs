//! Worker processes: the protocol, the worker side, and the supervisor's pool.
pub mod pool;
pub mod program;
pub mod protocol;
pub mod worker;

pub use pool::{ChunkInput, ChunkOutput, PoolConfig, PoolError, PoolEvent, WorkerPool};
pub use worker::serve_stdio;
