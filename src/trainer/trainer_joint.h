/*
 * trainer_joint.h
 *	  Private to the pgml_trainer executable: joint (multi-output)
 *	  regression models, pgml.train_joint, for the algorithms that fit one
 *	  target at a time.
 *
 *	  in->n_targets > 1: fit is called once per target k, with the same
 *	  features, hyperparameters and seed and y = column k of in->y (as
 *	  scikit-learn's MultiOutputRegressor clones one estimator per target,
 *	  and as scikit-learn's linear models fit each column of a 2-D y on its
 *	  own).  The parts become one model of n_outputs = n_targets, margin k
 *	  from part k: linear models stack their coefficient rows; tree
 *	  ensembles put part k's trees in group k, after a one-leaf tree holding
 *	  part k's base margin when the parts' base margins differ, so that
 *	  every margin sums the same float32 values in the same order as part k
 *	  alone.  Every part must predict its margin as is (PGML_OUTPUT_IDENTITY), or
 *	  all be weighted medians of their trees (AdaBoost.R2: base margin 0),
 *	  whose trees and weights then come target by target.
 *	  The parts' own metrics (feature importances) are kept per target under
 *	  "targets".  The algorithms whose table entry says joint (XGBoost's
 *	  one booster, scikit-learn's multi-output trees: pgml_algorithms.h)
 *	  learn several targets themselves and do not come here.
 *
 *	  The caller keeps the training data mapped until the last part is fit.
 */
#ifndef PGML_TRAINER_JOINT_H
#define PGML_TRAINER_JOINT_H

#include "postgres.h"

#include "pgml_train.h"

typedef void (*PgmlFitFunction) (const PgmlTrainInput *in, PgmlModel *m);

extern void pgml_joint_train(const PgmlTrainInput *in, PgmlModel *m, PgmlFitFunction fit);

#endif							/* PGML_TRAINER_JOINT_H */
