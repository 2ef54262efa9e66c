package solvers

import (
	"fmt"
	"math"
)

// ScheduleKind names a learning-rate schedule as in the `schedule` JSON
// object: "constant", "inverse" or "exponential".
type ScheduleKind string

// The schedules, with k the step index from 0 at the first step.
const (
	// Constant keeps η_k = η₀. It is the zero Schedule's kind too.
	Constant ScheduleKind = "constant"
	// Inverse decays η_k = η₀/(1 + k·δ).
	Inverse ScheduleKind = "inverse"
	// Exponential decays η_k = η₀·exp(−k·δ).
	Exponential ScheduleKind = "exponential"
)

// Schedule scales a rule's learning rate η wherever the rule uses it (for
// Momentum and Nesterov, in the velocity update). The zero Schedule is
// constant.
type Schedule struct {
	Kind  ScheduleKind // "" means Constant
	Decay float64      // δ of Inverse and Exponential; ≥ 0
}

// ConstantSchedule returns the schedule η_k = η₀.
func ConstantSchedule() Schedule { return Schedule{Kind: Constant} }

// InverseSchedule returns the schedule η_k = η₀/(1 + k·decay).
func InverseSchedule(decay float64) Schedule { return Schedule{Kind: Inverse, Decay: decay} }

// ExponentialSchedule returns the schedule η_k = η₀·exp(−k·decay).
func ExponentialSchedule(decay float64) Schedule {
	return Schedule{Kind: Exponential, Decay: decay}
}

// Rate returns η_k for the base rate eta0 at step index k (0 at the first
// step).
func (s Schedule) Rate(eta0 float64, k int) float64 {
	switch s.Kind {
	case Inverse:
		return eta0 / (1 + float64(k)*s.Decay)
	case Exponential:
		return eta0 * math.Exp(-float64(k)*s.Decay)
	}
	return eta0
}

// IsConstant reports whether s leaves η unchanged.
func (s Schedule) IsConstant() bool { return s.Kind == "" || s.Kind == Constant }

// Validate reports an unknown kind or a decay out of range as a one-line
// error naming the JSON field ("schedule.decay: -1 out of range [0, +Inf)").
func (s Schedule) Validate() error {
	switch s.Kind {
	case "", Constant:
		if s.Decay != 0 {
			return fmt.Errorf("schedule.decay: not a parameter of constant")
		}
		return nil
	case Inverse, Exponential:
		if !(s.Decay >= 0) || math.IsInf(s.Decay, 1) {
			return rangeError("schedule", "decay", s.Decay, "[0, +Inf)")
		}
		return nil
	}
	return fmt.Errorf("schedule.kind: unknown kind %q (want constant, inverse or exponential)", string(s.Kind))
}

// String returns "constant", "inverse(0.1)" or "exponential(0.1)".
func (s Schedule) String() string {
	if s.IsConstant() {
		return string(Constant)
	}
	return fmt.Sprintf("%s(%s)", s.Kind, num(s.Decay))
}
