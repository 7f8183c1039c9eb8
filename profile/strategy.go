package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Strategy is one parsed strategy spec: a "+"-joined list of steps applied
// to the same conversation.
type Strategy struct {
	Spec string

	WindowTurns  int   // window:turns=N; 0 when unset
	WindowTokens int64 // window:tokens=K; 0 when unset
	Summary      *SummaryStep
	Cap          int64 // cap:M; 0 when unset
	Cache        bool
	CacheTTL     time.Duration
	Batch        bool
	Model        string // model=ID; "" keeps the conversation's model
}

// SummaryStep is summary:trigger=T,keep=K,size=S[,model=M].
type SummaryStep struct {
	Trigger int64
	Keep    int
	Size    int64
	Model   string
}

// DefaultStrategies is the set used when no --strategy is given (SPEC).
var DefaultStrategies = []string{
	"full",
	"cache",
	"window:turns=8",
	"window:turns=8+cache",
	"summary:trigger=12000,keep=4,size=600+cache",
	"cap:512",
	"batch",
}

// SpecError is a strategy spec that does not parse.
type SpecError struct {
	Spec, Token, Msg string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("strategy %q: %s: %s", e.Spec, e.Token, e.Msg)
}

const stepsHelp = "full, window:turns=N, window:tokens=K, summary:trigger=T,keep=K,size=S[,model=M], cap:M, cache[:ttl=5m|1h], batch, model=ID"

// ParseStrategy parses a strategy spec such as "window:turns=8+cache".
func ParseStrategy(spec string) (*Strategy, error) {
	s := &Strategy{Spec: strings.TrimSpace(spec)}
	if s.Spec == "" {
		return nil, &SpecError{Spec: spec, Token: "(empty)", Msg: "want one or more of " + stepsHelp + " joined with +"}
	}
	seen := map[string]bool{}
	for _, step := range strings.Split(s.Spec, "+") {
		step = strings.TrimSpace(step)
		name, args, hasArgs := strings.Cut(step, ":")
		if strings.HasPrefix(step, "model=") {
			name, args, hasArgs = "model", strings.TrimPrefix(step, "model="), true
		}
		fail := func(token, format string, a ...any) error {
			return &SpecError{Spec: s.Spec, Token: token, Msg: fmt.Sprintf(format, a...)}
		}
		if seen[name] {
			return nil, fail(step, "step %q given twice", name)
		}
		seen[name] = true
		switch name {
		case "full":
			if hasArgs {
				return nil, fail(step, "full takes no arguments")
			}
		case "window":
			kv, err := parseArgs(args)
			if err != nil {
				return nil, fail(step, "%v", err)
			}
			if len(kv) != 1 {
				return nil, fail(step, "window takes exactly one of turns=N or tokens=K")
			}
			for k, v := range kv {
				switch k {
				case "turns":
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						return nil, fail(step, "turns=%s is not a whole number ≥ 0", v)
					}
					s.WindowTurns = n
					if n == 0 {
						s.WindowTurns = -1 // keep no earlier exchange
					}
				case "tokens":
					n, err := parseTokens(v)
					if err != nil || n <= 0 {
						return nil, fail(step, "tokens=%s is not a token count > 0", v)
					}
					s.WindowTokens = n
				default:
					return nil, fail(k+"="+v, "unknown window key %q (allowed: turns, tokens)", k)
				}
			}
		case "summary":
			kv, err := parseArgs(args)
			if err != nil {
				return nil, fail(step, "%v", err)
			}
			sum := &SummaryStep{}
			for k, v := range kv {
				switch k {
				case "trigger":
					if sum.Trigger, err = parseTokens(v); err != nil || sum.Trigger <= 0 {
						return nil, fail(k+"="+v, "trigger must be a token count > 0")
					}
				case "keep":
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						return nil, fail(k+"="+v, "keep must be a whole number of exchanges ≥ 0")
					}
					sum.Keep = n
				case "size":
					if sum.Size, err = parseTokens(v); err != nil || sum.Size <= 0 {
						return nil, fail(k+"="+v, "size must be a token count > 0")
					}
				case "model":
					sum.Model = v
				default:
					return nil, fail(k+"="+v, "unknown summary key %q (allowed: trigger, keep, size, model)", k)
				}
			}
			if sum.Trigger == 0 || sum.Size == 0 {
				return nil, fail(step, "summary needs trigger=T and size=S (keep=K defaults to 0)")
			}
			s.Summary = sum
		case "cap":
			n, err := parseTokens(args)
			if !hasArgs || err != nil || n <= 0 {
				return nil, fail(step, "cap needs a max_tokens value > 0, e.g. cap:512")
			}
			s.Cap = n
		case "cache":
			s.Cache, s.CacheTTL = true, 5*time.Minute
			if hasArgs {
				kv, err := parseArgs(args)
				if err != nil {
					return nil, fail(step, "%v", err)
				}
				for k, v := range kv {
					if k != "ttl" {
						return nil, fail(k+"="+v, "unknown cache key %q (allowed: ttl)", k)
					}
					switch v {
					case "5m":
						s.CacheTTL = 5 * time.Minute
					case "1h":
						s.CacheTTL = time.Hour
					default:
						return nil, fail(k+"="+v, "ttl must be 5m or 1h")
					}
				}
			}
		case "batch":
			if hasArgs {
				return nil, fail(step, "batch takes no arguments")
			}
			s.Batch = true
		case "model":
			if args == "" {
				return nil, fail(step, "model= needs a model id")
			}
			s.Model = args
		default:
			return nil, fail(step, "unknown step %q (known: %s)", name, stepsHelp)
		}
	}
	if seen["full"] && len(seen) > 1 {
		return nil, &SpecError{Spec: s.Spec, Token: "full", Msg: "full cannot be combined with other steps (it is the absence of them)"}
	}
	if (s.WindowTurns != 0 || s.WindowTokens != 0) && s.Summary != nil {
		return nil, &SpecError{Spec: s.Spec, Token: "summary", Msg: "window and summary cannot be combined: both decide which history is sent"}
	}
	return s, nil
}

func parseArgs(args string) (map[string]string, error) {
	kv := map[string]string{}
	if args == "" {
		return kv, fmt.Errorf("missing key=value arguments")
	}
	for _, part := range strings.Split(args, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not key=value", part)
		}
		if _, dup := kv[k]; dup {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		kv[k] = v
	}
	return kv, nil
}

// parseTokens reads a token count: 12000, 12k, 1.5M.
func parseTokens(s string) (int64, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1e6, strings.TrimSuffix(s, "m")
	}
	if mult == 1 {
		return strconv.ParseInt(s, 10, 64)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(f*mult + 0.5), nil
}

// String renders s canonically: window or summary, cap, cache, batch,
// model, joined with "+". ParseStrategy(s.String()) gives s back.
func (s *Strategy) String() string {
	var steps []string
	switch {
	case s.WindowTurns != 0:
		steps = append(steps, fmt.Sprintf("window:turns=%d", max(s.WindowTurns, 0)))
	case s.WindowTokens > 0:
		steps = append(steps, fmt.Sprintf("window:tokens=%d", s.WindowTokens))
	case s.Summary != nil:
		sp := fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", s.Summary.Trigger, s.Summary.Keep, s.Summary.Size)
		if s.Summary.Model != "" {
			sp += ",model=" + s.Summary.Model
		}
		steps = append(steps, sp)
	}
	if s.Cap > 0 {
		steps = append(steps, fmt.Sprintf("cap:%d", s.Cap))
	}
	if s.Cache {
		if s.CacheTTL == time.Hour {
			steps = append(steps, "cache:ttl=1h")
		} else {
			steps = append(steps, "cache")
		}
	}
	if s.Batch {
		steps = append(steps, "batch")
	}
	if s.Model != "" {
		steps = append(steps, "model="+s.Model)
	}
	if len(steps) == 0 {
		return "full"
	}
	return strings.Join(steps, "+")
}
