//go:build amd64

package vec

import "testing"

// TestGoLoopsAlone runs the checks with the assembly switched off, so that
// the Go loops, which other processors run for whole slices, are tested on
// long slices here too.
func TestGoLoopsAlone(t *testing.T) {
	if !hasAVX2 {
		t.Skip("the assembly never runs here; the other tests cover the Go loops")
	}
	hasAVX2 = false
	defer func() { hasAVX2 = true }()
	t.Run("TestElementwiseMatchesGoLoops", TestElementwiseMatchesGoLoops)
	t.Run("TestSum", TestSum)
	t.Run("TestAxpy", TestAxpy)
	t.Run("TestExp", TestExp)
	t.Run("TestAdamMatchesGoLoopBitForBit", TestAdamMatchesGoLoopBitForBit)
}
