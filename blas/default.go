package blas

// defaultImplementation returns the implementation installed at start-up.
func defaultImplementation() Implementation { return Gonum{} }
