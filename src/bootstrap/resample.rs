//! Resampling schemes. Replicate `r` of a run with seed `s` draws from its own ChaCha8 stream
//! (`seed_from_u64(s)`, `set_stream(r)`), so it is the same whichever thread computes it.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub enum Scheme<'a> {
    /// n rows drawn with replacement.
    Ordinary,
    /// Within each stratum (e.g. trial arm) as many rows as it has, with replacement: arm sizes
    /// stay fixed, as a randomised experiment requires.
    Stratified { codes: &'a [u32], n_strata: usize },
    /// Whole clusters (municipalities, case workers) drawn with replacement; with `strata` (the
    /// stratum of each cluster, e.g. the arm of each case worker) a two-stage scheme: within each
    /// stratum as many clusters as it has, from its own clusters, so no stratum vanishes.
    Cluster { codes: &'a [u32], n_clusters: usize, strata: Option<&'a [u32]> },
    /// Bayesian bootstrap: Dirichlet(1, ..., 1) weights, scaled to sum to n (per cluster when
    /// clusters are given).
    Bayesian { cluster: Option<(&'a [u32], usize)> },
}

/// Draws replicate weights for one data set and scheme.
pub struct Resampler<'a> {
    n: usize,
    scheme: Scheme<'a>,
    /// Row indices of each stratum (stratified scheme), or cluster ids of each stratum (clusters
    /// within strata).
    members: Vec<Vec<u32>>,
}

fn check_codes(codes: &[u32], k: usize, n: usize, what: &str) -> Result<()> {
    if codes.len() != n {
        return Err(Error::InvalidArgument(format!("{what} codes have the wrong length")));
    }
    if k == 0 || codes.iter().any(|&c| c as usize >= k) {
        return Err(Error::InvalidArgument(format!("{what} codes out of range")));
    }
    Ok(())
}

impl<'a> Resampler<'a> {
    pub fn new(n: usize, scheme: Scheme<'a>) -> Result<Self> {
        if n == 0 {
            return Err(Error::Empty);
        }
        let mut members = Vec::new();
        match scheme {
            Scheme::Stratified { codes, n_strata } => {
                check_codes(codes, n_strata, n, "strata")?;
                members = vec![Vec::new(); n_strata];
                for (i, &c) in codes.iter().enumerate() {
                    members[c as usize].push(i as u32);
                }
            }
            Scheme::Cluster { codes, n_clusters, strata } => {
                check_codes(codes, n_clusters, n, "cluster")?;
                if let Some(st) = strata {
                    if st.len() != n_clusters {
                        return Err(Error::InvalidArgument("cluster strata must give one stratum per cluster".into()));
                    }
                    let k = st.iter().map(|&s| s as usize + 1).max().unwrap_or(0);
                    members = vec![Vec::new(); k];
                    for (c, &s) in st.iter().enumerate() {
                        members[s as usize].push(c as u32);
                    }
                    if members.iter().any(|m| m.is_empty()) {
                        return Err(Error::InvalidArgument("a stratum has no clusters".into()));
                    }
                }
            }
            Scheme::Bayesian { cluster: Some((codes, k)) } => check_codes(codes, k, n, "cluster")?,
            _ => {}
        }
        Ok(Resampler { n, scheme, members })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    fn rng(seed: u64, replicate: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(replicate);
        rng
    }

    /// Fills `out` (length n) with the weights of replicate `replicate`: counts for the
    /// resampling schemes, Dirichlet weights times n for the Bayesian bootstrap.
    pub fn weights(&self, seed: u64, replicate: u64, out: &mut [f64]) {
        let mut rng = Self::rng(seed, replicate);
        out.iter_mut().for_each(|w| *w = 0.0);
        let n = self.n;
        match self.scheme {
            Scheme::Ordinary => {
                for _ in 0..n {
                    out[rng.random_range(0..n as u64) as usize] += 1.0;
                }
            }
            Scheme::Stratified { .. } => {
                for m in &self.members {
                    for _ in 0..m.len() {
                        out[m[rng.random_range(0..m.len() as u64) as usize] as usize] += 1.0;
                    }
                }
            }
            Scheme::Cluster { codes, n_clusters, strata } => {
                let mut times = vec![0.0; n_clusters];
                if strata.is_some() {
                    for m in &self.members {
                        for _ in 0..m.len() {
                            times[m[rng.random_range(0..m.len() as u64) as usize] as usize] += 1.0;
                        }
                    }
                } else {
                    for _ in 0..n_clusters {
                        times[rng.random_range(0..n_clusters as u64) as usize] += 1.0;
                    }
                }
                for (w, &c) in out.iter_mut().zip(codes) {
                    *w = times[c as usize];
                }
            }
            Scheme::Bayesian { cluster } => {
                // Exp(1) draws normalised: a Dirichlet(1, ..., 1) vector.
                let k = cluster.map_or(n, |c| c.1);
                let e: Vec<f64> = (0..k).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
                let total: f64 = e.iter().sum();
                match cluster {
                    None => out.iter_mut().zip(&e).for_each(|(w, x)| *w = x * n as f64 / total),
                    Some((codes, _)) => {
                        out.iter_mut().zip(codes).for_each(|(w, &c)| *w = e[c as usize] * k as f64 / total)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_counts_sum_to_n_and_streams_are_fixed() {
        let r = Resampler::new(50, Scheme::Ordinary).unwrap();
        let (mut a, mut b) = (vec![0.0; 50], vec![0.0; 50]);
        r.weights(7, 3, &mut a);
        r.weights(7, 3, &mut b);
        assert_eq!(a, b);
        assert_eq!(a.iter().sum::<f64>(), 50.0);
        r.weights(7, 4, &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn stratified_keeps_stratum_sizes_and_cluster_moves_whole_clusters() {
        let codes: Vec<u32> = (0..30).map(|i| (i % 3) as u32).collect();
        let r = Resampler::new(30, Scheme::Stratified { codes: &codes, n_strata: 3 }).unwrap();
        let mut w = vec![0.0; 30];
        r.weights(1, 0, &mut w);
        for s in 0..3 {
            let tot: f64 = (0..30).filter(|i| i % 3 == s).map(|i| w[i]).sum();
            assert_eq!(tot, 10.0);
        }
        let r = Resampler::new(30, Scheme::Cluster { codes: &codes, n_clusters: 3, strata: None }).unwrap();
        r.weights(1, 0, &mut w);
        for i in 0..30 {
            assert_eq!(w[i], w[i % 3]);
        }
        assert_eq!(w.iter().sum::<f64>(), 30.0);
        let r = Resampler::new(30, Scheme::Bayesian { cluster: None }).unwrap();
        r.weights(1, 0, &mut w);
        assert!((w.iter().sum::<f64>() - 30.0).abs() < 1e-9 && w.iter().all(|&x| x > 0.0));
    }

    #[test]
    fn clusters_within_strata_keep_every_stratum_and_its_cluster_count() {
        // 6 clusters of 5 rows; clusters 0-1 in stratum 0, clusters 2-5 in stratum 1
        let codes: Vec<u32> = (0..30).map(|i| (i / 5) as u32).collect();
        let strata = [0u32, 0, 1, 1, 1, 1];
        let r = Resampler::new(30, Scheme::Cluster { codes: &codes, n_clusters: 6, strata: Some(&strata) }).unwrap();
        let mut w = vec![0.0; 30];
        for rep in 0..200 {
            r.weights(7, rep, &mut w);
            let per_cluster: Vec<f64> = (0..6).map(|c| w[c * 5]).collect();
            assert_eq!(per_cluster[0] + per_cluster[1], 2.0);
            assert_eq!(per_cluster[2..].iter().sum::<f64>(), 4.0);
            assert!((0..30).all(|i| w[i] == per_cluster[i / 5]));
        }
        assert!(Resampler::new(30, Scheme::Cluster { codes: &codes, n_clusters: 6, strata: Some(&[0, 0, 2, 2, 2, 2]) }).is_err());
    }
}
