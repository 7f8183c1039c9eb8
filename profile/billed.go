package profile

import "github.com/tokenscope/tokenscope/transcripts"

// BilledCost prices one call's reported usage as the provider billed it
// (cache reads, 5-minute and 1-hour writes, batch discount): the figure
// `usage` and the report's "as billed" line sum, for the live views.
func BilledCost(p *ModelPrice, u *transcripts.Usage, batch bool) Money {
	return reportedCost(p, u, batch)
}

// CacheSaving is what prompt caching saved on one call: its input priced
// as if every cache read and write had been uncached input, less what it
// was billed (negative when writes cost more than reads saved).
func CacheSaving(p *ModelPrice, u *transcripts.Usage, batch bool) Money {
	uncached := *u
	uncached.CachedInputTokens, uncached.CacheWriteTokens, uncached.CacheWrite1hTokens = 0, 0, 0
	return reportedCost(p, &uncached, batch).Add(-reportedCost(p, u, batch))
}
