/**
 * OpenTSDB 2.4's histograms (SimpleHistogram): the forms they are written in, DSDB's stored
 * JSON form, percentiles and the bucket-wise merge. Shared by the histogram plugin and
 * anything else that reads stored histograms (docs/query.md#histograms).
 */
export * from './simple-histogram';
export * from './codec';
export * from './series';
