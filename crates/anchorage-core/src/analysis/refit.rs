//! The refit: the design matrix (intercept, age, PBQ, HU ratio, Goutallier grades 2–4 as
//! indicators against grade 1, a grade absent from the data left out), the
//! maximum-likelihood fit (Firth's when the data are separated), the Wald table, the
//! apparent and optimism-corrected AUC, and the model file.

use super::bootstrap::{Plan, optimism};
use super::dataset::Dataset;
use super::dist::{Z_975, normal_two_sided_p};
use super::logistic::{Design, fit_firth, fit_ml, logistic};
use super::options::AnalysisOptions;
use super::refit_model::{RefitCoefficients, RefitProvenance, refit_model};
use super::report::{Coefficient, FitMethod, Refit, Unit};
use super::roc::{auc_weighted, roc_curve, youden};

/// The design of the rows and its term names.
pub fn design(data: &Dataset) -> (Design, Vec<String>) {
    let rows = &data.rows;
    let grades: Vec<u8> = (2..=4)
        .filter(|g| rows.iter().any(|r| r.goutallier == *g))
        .collect();
    let mut terms: Vec<String> = ["intercept", "age", "pbq", "hu_ratio"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    terms.extend(grades.iter().map(|g| format!("goutallier_{g}")));
    let p = terms.len();
    let mut x = Vec::with_capacity(rows.len() * p);
    for r in rows {
        x.extend([1.0, r.age_years, r.pbq, r.hu_ratio]);
        x.extend(
            grades
                .iter()
                .map(|&g| f64::from(u8::from(r.goutallier == g))),
        );
    }
    (
        Design {
            x,
            n: rows.len(),
            p,
        },
        terms,
    )
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// Refits the model; Err with the reason when it cannot be estimated. Pushes warnings
/// (events per predictor, separation, skipped resamples); the note says how it was done
/// when not by plain maximum likelihood.
pub fn refit(
    data: &Dataset,
    location: &str,
    opts: &AnalysisOptions,
    warnings: &mut Vec<String>,
    n_events: usize,
) -> Result<(Refit, Option<String>), String> {
    let (d, terms) = design(data);
    let rows = &data.rows;
    let n = rows.len();
    let y: Vec<f64> = rows.iter().map(|r| f64::from(u8::from(r.event))).collect();
    let events: Vec<bool> = rows.iter().map(|r| r.event).collect();
    let w = vec![1.0; n];
    let predictors = d.p - 1;
    let fewer = n_events.min(n - n_events);
    if (fewer as f64) < 10.0 * predictors as f64 {
        warnings.push(format!(
            "{fewer} {} for {predictors} predictors: fewer than 10 per predictor, the refit may be overfitted",
            if fewer == n_events { "events" } else { "non-events" }
        ));
    }
    let ml = fit_ml(&d, &y, &w, None);
    let (fit, method, note) = match ml {
        Some(f) if !f.separated => (f, FitMethod::MaximumLikelihood, None),
        _ => {
            let f = fit_firth(&d, &y, &w).ok_or_else(|| {
                "the refit cannot be estimated: a predictor does not vary (singular information matrix), even with Firth's penalised likelihood".to_string()
            })?;
            let note = "the data are separated (the maximum-likelihood estimate does not exist): refitted by Firth's penalised likelihood; standard errors from the inverse information at the Firth estimate".to_string();
            warnings.push(note.clone());
            (f, FitMethod::Firth, Some(note))
        }
    };
    let coefficients: Vec<Coefficient> = terms
        .iter()
        .enumerate()
        .map(|(j, term)| {
            let (b, se) = (fit.beta[j], fit.se(j));
            Coefficient {
                term: term.clone(),
                estimate: b,
                se,
                ci_low: b - Z_975 * se,
                ci_high: b + Z_975 * se,
                p: normal_two_sided_p(b / se),
                odds_ratio: b.exp(),
            }
        })
        .collect();
    let eta: Vec<f64> = (0..n).map(|i| d.eta(i, &fit.beta)).collect();
    let apparent_auc =
        auc_weighted(&eta, &events, &w).ok_or_else(|| "no AUC of the refit".to_string())?;
    let optimism_corrected_auc = if opts.bootstrap == 0 {
        None
    } else {
        let cluster: Vec<usize> = match opts.unit {
            Unit::Patient => (0..n).collect(),
            Unit::Screw => {
                // Dense cluster ids.
                let mut ids = std::collections::HashMap::new();
                rows.iter()
                    .map(|r| {
                        let next = ids.len();
                        *ids.entry(r.cluster).or_insert(next)
                    })
                    .collect()
            }
        };
        let firth = method == FitMethod::Firth;
        match optimism(
            &d,
            &y,
            &events,
            &cluster,
            Plan {
                resamples: opts.bootstrap,
                seed: opts.seed,
                firth,
                start: &fit.beta,
            },
        ) {
            Some(o) => {
                if o.skipped > 0 {
                    warnings.push(format!(
                        "{} of {} bootstrap resamples left out (one outcome class only, or no fit)",
                        o.skipped, opts.bootstrap
                    ));
                }
                Some(apparent_auc - o.mean_optimism)
            }
            None => {
                warnings.push(
                    "no bootstrap resample could be refitted: no optimism-corrected AUC".into(),
                );
                None
            }
        }
    };
    // The model file.
    let coef = |t: &str| terms.iter().position(|x| x == t).map(|j| fit.beta[j]);
    let risk: Vec<f64> = eta.iter().map(|&e| logistic(e)).collect();
    let roc = roc_curve(&risk, &events);
    let cut = youden(&risk, &events, &roc).map_or((0.5, f64::NAN, f64::NAN), |o| {
        (o.threshold, o.rates.sensitivity, o.rates.specificity)
    });
    let absent_grades: Vec<u8> = (2..=4)
        .filter(|g| coef(&format!("goutallier_{g}")).is_none())
        .collect();
    let model = refit_model(
        &RefitCoefficients {
            intercept: fit.beta[0],
            age: fit.beta[1],
            pbq: fit.beta[2],
            hu_ratio: fit.beta[3],
            goutallier: [
                coef("goutallier_2"),
                coef("goutallier_3"),
                coef("goutallier_4"),
            ],
        },
        [
            range(rows.iter().map(|r| r.age_years)),
            range(rows.iter().map(|r| r.pbq)),
            range(rows.iter().map(|r| r.hu_ratio)),
        ],
        cut,
        &RefitProvenance {
            location: location.to_string(),
            n_rows: n,
            n_patients: data.n_patients,
            n_events,
            unit: match opts.unit {
                Unit::Patient => "patient",
                Unit::Screw => "screw",
            },
            method: match method {
                FitMethod::MaximumLikelihood => "maximum likelihood",
                FitMethod::Firth => "Firth's penalised likelihood",
            },
            date: crate::cohort::now_utc(),
            software: crate::cohort::ingest::software_version(),
            absent_grades,
        },
    );
    Ok((
        Refit {
            method,
            coefficients,
            apparent_auc,
            optimism_corrected_auc,
            bootstrap: opts.bootstrap,
            seed: opts.seed,
            model_json: model.to_json_string(),
        },
        note,
    ))
}
