package advisor

import (
	"fmt"
	"math"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
)

// What the replay check means: the engine measures it (profile.Fidelity,
// made by every run whose log reports usage); this file names the likely
// cause of a gap and says how much a best-effort cache served.

// FidelityTolerancePct is the gap beyond which a replay check names its
// likely cause.
const FidelityTolerancePct = 10

var fidelityPartNames = [4]string{"uncached input", "cache reads", "cache writes", "output"}

// Cause names, in one line, the part of the bill the simulation misses
// most when the gap passes FidelityTolerancePct; "" otherwise. When the
// two sides do not send the same input (beyond the tolerance), caching
// cannot explain the gap: the log's usage does not match its messages.
// When the bill reads cache below the provider's minimum prefix, the usage
// is not a provider's. Otherwise it names the part whose simulated cost is
// furthest from its billed cost, with what that usually means.
func Cause(f profile.Fidelity) string {
	if math.Abs(f.ErrorPct()) <= FidelityTolerancePct {
		return ""
	}
	p := &f.Parts
	var simIn, billIn int64
	for i := range 3 {
		simIn += p.SimulatedTokens[i]
		billIn += p.BilledTokens[i]
	}
	if d := simIn - billIn; billIn > 0 && 100*max(d, -d) > FidelityTolerancePct*billIn {
		why := "the log bills input its messages do not show (requests the app made without logging them, or content the log leaves out)"
		if d > 0 {
			why = "the log reports fewer input tokens than its messages count: its usage does not match them (written by hand, or the request trimmed before sending)"
		}
		return fmt.Sprintf("input: simulated %s tokens, billed %s — %s", profile.FormatTokens(simIn), profile.FormatTokens(billIn), why)
	}
	worst := 0
	for i := range 4 {
		if absMoney(p.Simulated[i]-p.Billed[i]) > absMoney(p.Simulated[worst]-p.Billed[worst]) {
			worst = i
		}
	}
	// The simulation sends uncached, or fails to read, what the log says
	// was read below the minimum: the log is at fault, not the model.
	reads := profile.FidelityCacheReads
	if p.BelowMinimum > 0 && worst <= reads && p.SimulatedTokens[reads] < p.BilledTokens[reads] {
		return fmt.Sprintf("cache reads: simulated %s tokens, billed %s — the log reports %s tokens read from cache below the provider's minimum cacheable prefix, which no provider bills (a hand-made log)",
			profile.FormatTokens(p.SimulatedTokens[reads]), profile.FormatTokens(p.BilledTokens[reads]), profile.FormatTokens(p.BelowMinimum))
	}
	why := [4]string{ // the simulation pays more than the bill
		"the app cached input the simulation sends uncached (another breakpoint, or a prefix below the minimum)",
		"the app's cache was cold where the simulation read it (expired, or the prefix changed)",
		"the simulation rewrote a prefix the app kept cached (a longer TTL, or a prefix shared with other sessions)",
		"the log reports less output than its replies hold (streaming placeholders)",
	}[worst]
	if p.Simulated[worst] < p.Billed[worst] {
		why = [4]string{
			"the app sent input uncached that the simulation reads from cache",
			"the app read more from cache than simulated (a prefix shared with other sessions)",
			"the app rewrote more of its prefix than simulated (a changed system prompt, compaction, expiry)",
			"the log bills output its replies do not show (thinking or tool-use preambles)",
		}[worst]
	}
	return fmt.Sprintf("%s: simulated %s tokens, billed %s — %s", fidelityPartNames[worst],
		profile.FormatTokens(p.SimulatedTokens[worst]), profile.FormatTokens(p.BilledTokens[worst]), why)
}

func absMoney(m price.Money) price.Money {
	if m < 0 {
		return -m
	}
	return m
}

// ServedLine says how much of the cacheable prefix a best-effort cache
// served in the log (see profile's served.go); "" when the log measured
// none.
func ServedLine(f profile.Fidelity) string {
	if s := ServedShort(f); s != "" {
		return s + " of the cacheable prefix in this log"
	}
	return ""
}

// ServedDetail is ServedLine's token counts and, below 95%, what raises
// the share; "" when the log measured none.
func ServedDetail(f profile.Fidelity) string {
	_, read, cacheable, ok := f.ServedShare()
	if !ok {
		return ""
	}
	d := fmt.Sprintf("(%s of %s tokens", profile.FormatTokens(read), profile.FormatTokens(cacheable))
	if p, _ := f.ServedPct(); p < 95 {
		d += "; a byte-identical prefix and a stable prompt_cache_key raise it"
	}
	return d + ")"
}

// ServedShort is ServedLine in a few words ("OpenAI served 43%"), for a
// status line; "" when the log measured none.
func ServedShort(f profile.Fidelity) string {
	provider, _, _, ok := f.ServedShare()
	if !ok {
		return ""
	}
	p, _ := f.ServedPct()
	return fmt.Sprintf("%s served %d%%", providerName(provider), p)
}

// UnexplainedLine says how many cache reads the log reports that the
// replay cannot tie to an earlier call of the log (profile's
// unexplained.go); "" when none.
func UnexplainedLine(f profile.Fidelity) string {
	u := f.Unexplained
	if u.Calls == 0 {
		return ""
	}
	read := "read"
	if u.Calls == 1 {
		read = "reads"
	}
	return fmt.Sprintf("%s %s %s cached tokens the replay cannot tie to an earlier call of the log: a prefix cached by an earlier run, a session not in the log, or requests the log does not hold whole (the replay reads what the log shows warm at a conversation's first call)",
		strategy.Plural(u.Calls, "call"), read, profile.FormatTokens(u.Tokens))
}

// providerName is how the served lines name a provider.
func providerName(p string) string {
	switch p {
	case "openai":
		return "OpenAI"
	case "google":
		return "Gemini"
	case "deepseek":
		return "DeepSeek"
	case "mistral":
		return "Mistral"
	case "xai":
		return "xAI"
	case "mixed", "":
		return "The providers"
	}
	return p
}
