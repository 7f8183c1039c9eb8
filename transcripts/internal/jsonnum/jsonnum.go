// Package jsonnum reads counts (of tokens, or timestamps) as logs write
// them: a JSON number, or a numeric string as OTLP/JSON writes 64-bit
// integers; whole and not negative, with errors in a user's words.
package jsonnum

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// Count reads a whole, non-negative count; false, with no error, when raw
// is empty or null.
func Count(raw json.RawMessage) (int64, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, false, err
		}
	}
	text = strings.TrimSpace(text)
	n, err := strconv.ParseInt(text, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, false, fmt.Errorf("%s is out of range", jsonerr.Excerpt(text, 30))
	case err != nil:
		// Some writers emit counts as floats (1.0, 1e3): whole ones pass.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil {
			return 0, false, fmt.Errorf("not a number: %s", jsonerr.Excerpt(text, 30))
		}
		if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
			return 0, false, fmt.Errorf("not a whole count: %s", jsonerr.Excerpt(text, 30))
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, false, fmt.Errorf("negative count %d", n)
	}
	return n, true, nil
}
