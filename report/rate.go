package report

// perSecond formats a rate with three significant digits: "192/s",
// "9.93/s", "0.50/s".
func perSecond(f float64) string { return sig3(finite(f)) + "/s" }
