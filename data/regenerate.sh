#!/usr/bin/env bash
# Regenerate data/*.csv from the scikit-learn copies of the toy datasets
# (Debian package python3-sklearn-lib).  The output is the exact text COPY
# reads into the tables pgml.load_dataset() creates: a header line with the
# column names (checked with HEADER MATCH), one line per row, columns in
# table order.  See docs/datasets.md for the schemas and the origins.
#
# Usage: data/regenerate.sh [SKLEARN_DATA_DIR]
set -euo pipefail
src=${1:-/usr/lib/python3/dist-packages/sklearn/datasets/data}
out=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C

# iris: 4 features in cm, target 0..2; the sklearn file has a count line.
awk -F, 'NR == 1 { print "sepal_length,sepal_width,petal_length,petal_width,target"; next }
	{ print }' "$src/iris.csv" > "$out/iris.csv"

# wine: PostgresML's column order puts hue before color_intensity, the
# reverse of the source file: swap fields 10 and 11 to keep values right.
awk -F, -v OFS=, 'NR == 1 {
		print "alcohol,malic_acid,ash,alcalinity_of_ash,magnesium,total_phenols,flavanoids,nonflavanoid_phenols,proanthocyanins,hue,color_intensity,od280/od315_of_diluted_wines,proline,target"
		next
	}
	{ t = $10; $10 = $11; $11 = t; print }' "$src/wine_data.csv" > "$out/wine.csv"

# breast_cancer: 30 features; "malignant" is true where sklearn's target is
# 0 (sklearn's target_names are malignant, benign).
awk -F, -v OFS=, 'NR == 1 {
		n = split("radius,texture,perimeter,area,smoothness,compactness,concavity,concave points,symmetry,fractal dimension", f, ",")
		h = ""
		for (i = 1; i <= n; i++) h = h "mean " f[i] ","
		for (i = 1; i <= n; i++) h = h f[i] " error,"
		for (i = 1; i <= n; i++) h = h "worst " f[i] ","
		print h "malignant"
		next
	}
	{ $31 = ($31 == 0) ? "t" : "f"; print }' "$src/breast_cancer.csv" > "$out/breast_cancer.csv"

# digits: 64 pixels (0..16) in row-major order -> an 8x8 smallint array.
gzip -dc "$src/digits.csv.gz" | awk -F, 'BEGIN { print "image,target" }
	{
		s = "\"{"
		for (r = 0; r < 8; r++) {
			s = s (r ? ",{" : "{")
			for (c = 1; c <= 8; c++) s = s (c > 1 ? "," : "") $(r * 8 + c)
			s = s "}"
		}
		print s "}\"," $65
	}' > "$out/digits.csv"

# diabetes: sklearn's load_diabetes() default (scaled=True): each feature
# column mean-centred, divided by its population standard deviation and by
# sqrt(n), so that its sum of squares is 1.  Target: the raw response.
paste -d' ' <(gzip -dc "$src/diabetes_data_raw.csv.gz") \
	<(gzip -dc "$src/diabetes_target.csv.gz") | awk '
	{
		for (j = 1; j <= 10; j++) { x[NR, j] = $j; sum[j] += $j }
		y[NR] = $11
	}
	END {
		n = NR
		for (j = 1; j <= 10; j++) {
			mean[j] = sum[j] / n
			ss = 0
			for (i = 1; i <= n; i++) ss += (x[i, j] - mean[j]) ^ 2
			div[j] = sqrt(ss / n) * sqrt(n)
		}
		print "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target"
		for (i = 1; i <= n; i++) {
			line = ""
			for (j = 1; j <= 10; j++)
				line = line sprintf("%.17g,", (x[i, j] - mean[j]) / div[j])
			print line sprintf("%.17g", y[i])
		}
	}' > "$out/diabetes.csv"

# linnerud: the three exercise columns (features) then the three
# physiological ones (targets); the two space-separated source files pair
# their rows by line after one header line each.
paste -d' ' "$src/linnerud_exercise.csv" "$src/linnerud_physiological.csv" | awk '
	NR == 1 {
		if ($0 != "Chins Situps Jumps Weight Waist Pulse") {
			print "linnerud: unexpected header: " $0 > "/dev/stderr"
			exit 1
		}
		print "chins,situps,jumps,weight,waist,pulse"
		next
	}
	NF != 6 { print "linnerud: line " NR " has " NF " fields" > "/dev/stderr"; exit 1 }
	{ print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' > "$out/linnerud.csv"

wc -l "$out"/*.csv
