/*
 * trainer_booster.h
 *	  Private to the pgml_trainer executable: XGBoost's own model, for
 *	  pgml.predict_native and pgml.export_model (booster.c).  One booster is
 *	  loaded at a time and kept between requests.
 *
 *	  load:    model_id int64, bytes (UBJSON)  -> n_features int32
 *	  predict: the features, bytes of float32  -> the outputs, bytes of float32
 *	  json:    model_id int64, bytes (UBJSON)  -> bytes of XGBoost's JSON
 */
#ifndef PGML_TRAINER_BOOSTER_H
#define PGML_TRAINER_BOOSTER_H

#include "pgml_trainer.h"

extern void pgml_trainer_booster_load(PgmlWireReader *r, StringInfo out);
extern void pgml_trainer_booster_predict(PgmlWireReader *r, StringInfo out);
extern void pgml_trainer_booster_json(PgmlWireReader *r, StringInfo out);

#endif							/* PGML_TRAINER_BOOSTER_H */
