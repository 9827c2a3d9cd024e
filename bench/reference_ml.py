"""
The field's reference implementations for `npm run bench:ml`: scikit-learn and statsmodels on the
exact data plat trains on (raw little-endian doubles written by bench/ml_algorithms.ts).
Bench-only: runs in the bench's own virtual environment, never at runtime or in tests.

Usage: python reference_ml.py <task> <data dir>   (task: gbt | rf | iforest | forecast)
Prints one JSON object of figures. Times are wall seconds of the fit alone; `*_cpu` are CPU
seconds of this process (all its threads), which a busy machine disturbs less.
"""
import json
import sys
import time
import warnings

import numpy as np


def load(directory, name, columns):
    values = np.fromfile(f"{directory}/{name}.bin", dtype="<f8")
    return values.reshape(-1, columns) if columns > 1 else values


def timed(fit):
    start, cpu = time.perf_counter(), time.process_time()
    result = fit()
    timed.cpu = time.process_time() - cpu
    return result, time.perf_counter() - start


def main():
    task, directory = sys.argv[1], sys.argv[2]
    with open(f"{directory}/meta.json") as f:
        meta = json.load(f)
    from sklearn.metrics import roc_auc_score

    if task == "gbt":
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits

        w = meta["width"]
        x, y = load(directory, "train_x", w), load(directory, "train_y", 1)
        xt, yt = load(directory, "test_x", w), load(directory, "test_y", 1)
        # plat's settings, which are scikit-learn's defaults with early stopping off.
        make = lambda: HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0.0, max_bins=255, early_stopping=False, random_state=0)
        model, seconds = timed(lambda: make().fit(x, y))
        cpu = timed.cpu
        with threadpool_limits(limits=1):
            _, single = timed(lambda: make().fit(x, y))
        auc = roc_auc_score(yt, model.predict_proba(xt)[:, 1])
        print(json.dumps({"auc": auc, "seconds": seconds, "seconds_cpu": cpu, "seconds_1_thread": single, "seconds_1_thread_cpu": timed.cpu}))
    elif task == "rf":
        from sklearn.ensemble import RandomForestClassifier

        w = meta["width"]
        x, y = load(directory, "train_x", w), load(directory, "train_y", 1)
        xt, yt = load(directory, "test_x", w), load(directory, "test_y", 1)
        model, seconds = timed(lambda: RandomForestClassifier(n_estimators=100, random_state=0).fit(x, y))
        cpu = timed.cpu
        _, parallel = timed(lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1).fit(x, y))
        auc = roc_auc_score(yt, model.predict_proba(xt)[:, 1])
        print(json.dumps({"auc": auc, "seconds": seconds, "seconds_cpu": cpu, "seconds_all_cores": parallel}))
    elif task == "iforest":
        from sklearn.ensemble import IsolationForest

        w = meta["anomaly_width"]
        x, y = load(directory, "anomaly_x", w), load(directory, "anomaly_y", 1)
        model, seconds = timed(lambda: IsolationForest(n_estimators=100, max_samples=256, random_state=0).fit(x))
        auc = roc_auc_score(y, -model.score_samples(x))
        print(json.dumps({"auc": auc, "seconds": seconds}))
    elif task == "forecast":
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        warnings.filterwarnings("ignore")
        n, horizon, period = meta["series_length"], meta["horizon"], meta["period"]
        series = load(directory, "series", n + horizon)
        errors, absolute = [], []

        def fit_all():
            for y in series:
                forecast = ExponentialSmoothing(y[:n], trend="add", seasonal="add", seasonal_periods=period).fit().forecast(horizon)
                actual = y[n:]
                errors.extend(np.abs(forecast - actual) / np.abs(actual))
                absolute.extend(np.abs(forecast - actual))

        _, seconds = timed(fit_all)
        print(json.dumps({"mape": 100 * float(np.mean(errors)), "mae": float(np.mean(absolute)), "seconds": seconds}))
    else:
        raise SystemExit(f"unknown task {task}")


if __name__ == "__main__":
    main()
