/**
 * Data pipeline for sequence and image models: {@link dev.lamina.data.CsvTable} (RFC 4180 CSV
 * with typed columns and missing markers), {@link dev.lamina.data.MinMaxScaler} and
 * {@link dev.lamina.data.StandardScaler} (fit on training data only),
 * {@link dev.lamina.data.Series} (interpolation of interior gaps),
 * {@link dev.lamina.data.Windows} (sliding windows [N, timeSteps, features]),
 * {@link dev.lamina.data.TimeSeriesSplit} (chronological splits), {@link dev.lamina.data.Weather}
 * (weekly aggregation of daily station records) and loaders of the data sets shipped in
 * {@code data/}: {@link dev.lamina.data.DengueData} and {@link dev.lamina.data.Digits}.
 */
package dev.lamina.data;
