package price

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	fastjson "github.com/goccy/go-json"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"go.yaml.in/yaml/v3"
)

// embeddedJSON is prices.yaml, the table as maintained, as JSON (TestEmbeddedJSONCurrent keeps it so;
// `go test ./profile/price -run EmbeddedJSON -update` writes it): decoding
// it costs a tenth of parsing the YAML, which was 15% of a statusline
// process's CPU.
//
//go:embed prices.json
var embeddedJSON []byte

// embeddedTable decodes the embedded table, with the fast decoder the
// readers use (already linked): every priced command pays this at start.
func embeddedTable() (yamlTable, error) {
	var yt yamlTable
	err := fastjson.Unmarshal(embeddedJSON, &yt)
	return yt, err
}

// CachingMode is how a provider caches prompt prefixes.
type CachingMode string

// The caching modes.
const (
	CachingNone      CachingMode = "none"
	CachingAutomatic CachingMode = "automatic" // hits are discounted, writes are free
	CachingExplicit  CachingMode = "explicit"  // writes are billed (Anthropic's cache_control)
)

// CachingRule is a provider's prompt-caching rule for one model.
type CachingRule struct {
	Mode        CachingMode `yaml:"mode" json:"mode"`
	MinPrefix   int64       `yaml:"min_prefix" json:"min_prefix"`
	Granularity int64       `yaml:"granularity" json:"granularity"`
}

// Rates are the per-token prices that apply to one request.
type Rates struct {
	Input, Output, CachedInput, CacheWrite5m, CacheWrite1h Price
}

// LongContext is a tier above which the whole request bills at other rates.
type LongContext struct {
	Threshold int64 // input tokens (cached included) above which the tier applies
	Rates
}

// Model is one row of the price table.
type Model struct {
	ID       string
	Provider string
	Aliases  []string
	Rates
	HasCachedInput bool
	// BatchNum/BatchDen is the batch multiplier (½ is 1/2).
	BatchNum, BatchDen int64
	LongContext        *LongContext
	ContextWindow      int64
	MaxOutput          int64
	Caching            CachingRule
	Encoding           string
	TokenFactor        float64
	Exact              bool
	ImageTokens        int64 // estimate for one image of about 1024×1024
	Source, Note       string
}

// RatesFor returns the rates for a request with inputTokens of input.
func (p *Model) RatesFor(inputTokens int64) Rates {
	if p.LongContext != nil && inputTokens > p.LongContext.Threshold {
		return p.LongContext.Rates
	}
	return p.Rates
}

// Tokenizer returns the tokenizer that counts for this model.
func (p *Model) Tokenizer() *tokenize.Tokenizer {
	t, err := tokenize.NewTokenizer(p.Encoding, p.TokenFactor, p.Exact)
	if err != nil {
		panic(err) // the table is validated on load
	}
	t.ImageTokens = p.ImageTokens
	return t
}

// Table is the set of known models.
type Table struct {
	Date   string
	Source string
	Models []*Model
	byID   map[string]*Model
	// resolved remembers Lookup's answer per id as logged (nil: none):
	// resolving runs regular expressions, and every call of a log asks.
	resolved sync.Map
}

// TableLabel says which price table priced a report and its date.
type TableLabel struct {
	Name string `json:"name"`
	Date string `json:"date"`
}

// String is the label as report headers print it.
func (l TableLabel) String() string {
	if l.Name == "" {
		return ""
	}
	return fmt.Sprintf("priced by the %s table dated %s", l.Name, l.Date)
}

// Label names the table and its date (nil: none).
func (t *Table) Label() TableLabel {
	if t == nil {
		return TableLabel{}
	}
	return TableLabel{Name: t.Source, Date: t.Date}
}

// yaml shapes of the table file.
type yamlRates struct {
	Input        *float64 `yaml:"input" json:"input"`
	Output       *float64 `yaml:"output" json:"output"`
	CachedInput  *float64 `yaml:"cached_input" json:"cached_input"`
	CacheWrite5m *float64 `yaml:"cache_write_5m" json:"cache_write_5m"`
	CacheWrite1h *float64 `yaml:"cache_write_1h" json:"cache_write_1h"`
	// The provider's multiples of the input price for a row that gives
	// none (defaults only): cache read, 5-minute and 1-hour writes.
	CachedRatio  *float64 `yaml:"cached_ratio" json:"cached_ratio"`
	Write5mRatio *float64 `yaml:"write_5m_ratio" json:"write_5m_ratio"`
	Write1hRatio *float64 `yaml:"write_1h_ratio" json:"write_1h_ratio"`
}

type yamlModel struct {
	ID            string   `yaml:"id" json:"id"`
	Provider      string   `yaml:"provider" json:"provider"`
	Aliases       []string `yaml:"aliases" json:"aliases"`
	yamlRates     `yaml:",inline"`
	Batch         *float64     `yaml:"batch" json:"batch"`
	ContextWindow int64        `yaml:"context_window" json:"context_window"`
	MaxOutput     int64        `yaml:"max_output" json:"max_output"`
	Caching       *CachingRule `yaml:"caching" json:"caching"`
	Encoding      string       `yaml:"encoding" json:"encoding"`
	TokenFactor   float64      `yaml:"token_factor" json:"token_factor"`
	ImageTokens   int64        `yaml:"image_tokens" json:"image_tokens"`
	Exact         *bool        `yaml:"exact" json:"exact"`
	LongContext   *struct {
		Threshold int64 `yaml:"threshold" json:"threshold"`
		yamlRates `yaml:",inline"`
	} `yaml:"long_context" json:"long_context"`
	Source string `yaml:"source" json:"source"`
	Note   string `yaml:"note" json:"note"`
}

type yamlTable struct {
	Date     string               `yaml:"date" json:"date"`
	Source   string               `yaml:"source" json:"source"`
	Defaults map[string]yamlModel `yaml:"defaults" json:"defaults"`
	Models   []yamlModel          `yaml:"models" json:"models"`
}

var defaultTable *Table

// Default returns the embedded price table.
func Default() *Table {
	if defaultTable == nil {
		yt, err := embeddedTable()
		var t *Table
		if err == nil {
			t, err = fromYAML(yt, "embedded prices.yaml")
		}
		if err != nil {
			panic(err) // a defect of the build, caught by tests
		}
		t.Source = "embedded"
		defaultTable = t
	}
	return defaultTable
}

func ParseYAML(data []byte, file string) (*Table, error) {
	var yt yamlTable
	if err := yaml.Unmarshal(data, &yt); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return fromYAML(yt, file)
}

// fromYAML is the table of a decoded table file.
func fromYAML(yt yamlTable, file string) (*Table, error) {
	if len(yt.Models) == 0 {
		return nil, fmt.Errorf("%s: no models", file)
	}
	t := &Table{Date: yt.Date}
	for i, ym := range yt.Models {
		ym.Provider = ym.provider()
		d, ok := yt.Defaults[ym.Provider]
		if !ok {
			// A row of a --prices file bills by its provider's rules
			// (caching, batch, tokenizer) unless it spells them out.
			d = embeddedDefaults()[ym.Provider]
			if ym.Encoding != "" || ym.Exact != nil || ym.TokenFactor != 0 {
				// A row that names its tokenizer counts with it alone.
				d.Encoding, d.Exact, d.TokenFactor = "", nil, 0
			}
		}
		p, err := ym.toPrice(d)
		if err != nil {
			return nil, fmt.Errorf("%s: models[%d] (%s): %v", file, i, ym.ID, err)
		}
		t.Models = append(t.Models, p)
	}
	t.index()
	return t, nil
}

func (ym yamlModel) toPrice(d yamlModel) (*Model, error) {
	if ym.ID == "" {
		return nil, fmt.Errorf("no id")
	}
	if ym.Input == nil || ym.Output == nil {
		return nil, fmt.Errorf("input and output prices are required")
	}
	p := &Model{ID: strings.ToLower(ym.ID), Provider: ym.Provider, Aliases: ym.Aliases,
		ContextWindow: ym.ContextWindow, MaxOutput: ym.MaxOutput, Source: ym.Source, Note: ym.Note}
	p.Rates, p.HasCachedInput = ym.withRatios(d).rates(nil)
	batch := 1.0
	if d.Batch != nil {
		batch = *d.Batch
	}
	if ym.Batch != nil {
		batch = *ym.Batch
	}
	p.BatchNum, p.BatchDen = int64(batch*1000+0.5), 1000
	p.Caching = CachingRule{Mode: CachingNone}
	if d.Caching != nil {
		p.Caching = *d.Caching
	}
	if c := ym.Caching; c != nil {
		if c.Mode != "" {
			p.Caching.Mode = c.Mode
		}
		if c.MinPrefix != 0 {
			p.Caching.MinPrefix = c.MinPrefix
		}
		if c.Granularity != 0 {
			p.Caching.Granularity = c.Granularity
		}
	}
	switch p.Caching.Mode {
	case CachingNone, CachingAutomatic, CachingExplicit:
	default:
		return nil, fmt.Errorf("caching mode %q (want none, automatic or explicit)", p.Caching.Mode)
	}
	if p.Caching.Granularity <= 0 {
		p.Caching.Granularity = 1
	}
	if p.Caching.Mode != CachingNone && !p.HasCachedInput {
		p.Caching.Mode = CachingNone
	}
	p.Encoding = firstNonEmpty(ym.Encoding, d.Encoding, tokenize.O200kBase)
	p.ImageTokens = ym.ImageTokens
	if p.ImageTokens == 0 {
		p.ImageTokens = d.ImageTokens
	}
	p.TokenFactor = ym.TokenFactor
	if p.TokenFactor == 0 {
		p.TokenFactor = d.TokenFactor
	}
	if p.TokenFactor == 0 {
		p.TokenFactor = 1
	}
	switch {
	case ym.Exact != nil:
		p.Exact = *ym.Exact
	case d.Exact != nil:
		p.Exact = *d.Exact
	}
	p.Exact = p.Exact && p.TokenFactor == 1
	if !tokenize.Known(p.Encoding) {
		return nil, fmt.Errorf("unknown encoding %q", p.Encoding)
	}
	if lc := ym.LongContext; lc != nil {
		r, _ := lc.yamlRates.rates(&p.Rates)
		p.LongContext = &LongContext{Threshold: lc.Threshold, Rates: r}
	}
	return p, nil
}

// rates converts to Rates; missing prices fall back to base (for tiers) or
// to the input price (no discount) for cache reads, and to the provider
// multipliers for writes.
func (y yamlRates) rates(base *Rates) (Rates, bool) {
	var r Rates
	get := func(v *float64, def Price) Price {
		if v == nil {
			return def
		}
		return PriceFromPerMTok(*v)
	}
	var b Rates
	if base != nil {
		b = *base
	}
	r.Input = get(y.Input, b.Input)
	r.Output = get(y.Output, b.Output)
	r.CachedInput = get(y.CachedInput, r.Input)
	if base != nil && y.CachedInput == nil && b.Input != 0 {
		r.CachedInput = Price(int64(b.CachedInput) * int64(r.Input) / int64(b.Input))
	}
	r.CacheWrite5m = get(y.CacheWrite5m, r.Input)
	r.CacheWrite1h = get(y.CacheWrite1h, r.Input)
	return r, y.CachedInput != nil
}

// withRatios fills the cache prices a row leaves out from its provider's
// ratios to the input price (d's), so that a row of a --prices file that
// gives only input and output still caches as its provider does.
func (ym yamlModel) withRatios(d yamlModel) yamlRates {
	r := ym.yamlRates
	if r.Input == nil || ym.Caching != nil && ym.Caching.Mode == CachingNone {
		return r // a row that does not cache has no cache prices to derive
	}
	times := func(f *float64) *float64 {
		if f == nil {
			return nil
		}
		v := *r.Input * *f
		return &v
	}
	if r.CachedInput == nil {
		r.CachedInput = times(d.CachedRatio)
	}
	if r.CacheWrite5m == nil {
		r.CacheWrite5m = times(d.Write5mRatio)
	}
	if r.CacheWrite1h == nil {
		r.CacheWrite1h = times(d.Write1hRatio)
	}
	return r
}

// provider is the row's provider: as written, else the provider of the
// embedded row of the same id (a --prices row that re-prices a known
// model), else none.
func (ym yamlModel) provider() string {
	if ym.Provider != "" {
		return ym.Provider
	}
	if defaultTable != nil {
		if p, ok := defaultTable.Lookup(ym.ID); ok {
			return p.Provider
		}
	}
	return ym.Provider
}

var (
	embeddedYAMLOnce sync.Once
	embeddedYAML     map[string]yamlModel
)

// embeddedDefaults are the provider defaults of the embedded table.
func embeddedDefaults() map[string]yamlModel {
	embeddedYAMLOnce.Do(func() {
		if yt, err := embeddedTable(); err == nil {
			embeddedYAML = yt.Defaults
		}
	})
	return embeddedYAML
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (t *Table) index() {
	t.resolved.Clear()
	t.byID = make(map[string]*Model)
	for _, p := range t.Models {
		t.byID[p.ID] = p
		for _, a := range p.Aliases {
			t.byID[strings.ToLower(a)] = p
		}
	}
}

// The id patterns are compiled on first lookup, not at start: commands
// that look no model up (version) skip them.
var (
	datedSuffix  = lazyRegexp(`(-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8}|-\d{4}|-v\d+(:\d+)?|-latest|-preview(-\d{2}-\d{2,4})?)$`)
	bracketTail  = lazyRegexp(`\[[^\]]*\]$`)
	versionInfix = lazyRegexp(`^(claude-(?:opus|sonnet|haiku)-\d)\.(\d)`)
)

// lazyRegexp compiles expr once, when first called for.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Lookup finds the row for a model id as people log it: dated suffixes
// (claude-sonnet-4-20250514, gpt-4o-2024-08-06), provider prefixes
// (openai/…, anthropic/…), a [1m] suffix, "-latest".
func (t *Table) Lookup(id string) (*Model, bool) {
	if v, ok := t.resolved.Load(id); ok {
		p := v.(*Model)
		return p, p != nil
	}
	p, ok := t.lookup(id)
	t.resolved.Store(id, p)
	return p, ok
}

// lookup is Lookup without the memo.
func (t *Table) lookup(id string) (*Model, bool) {
	m := strings.ToLower(strings.TrimSpace(id))
	if p, ok := t.byID[m]; ok {
		return p, true
	}
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:")
	if i := strings.IndexByte(m, ':'); i >= 0 && !strings.Contains(m[i:], "-v") {
		m = m[:i] // ft:gpt-4o:org:… and bedrock's ":0" tails
	}
	m = bracketTail().ReplaceAllString(m, "")
	m = strings.TrimPrefix(m, "anthropic.")
	m = versionInfix().ReplaceAllString(m, "$1-$2")
	for range 3 {
		if p, ok := t.byID[m]; ok {
			return p, true
		}
		next := datedSuffix().ReplaceAllString(m, "")
		if next == m {
			break
		}
		m = next
	}
	if p, ok := t.byID[m]; ok {
		return p, true
	}
	return nil, false
}

// Nearest returns up to n known ids closest to id, for error messages.
func (t *Table) Nearest(id string, n int) []string {
	id = strings.ToLower(id)
	type scored struct {
		id string
		d  int
	}
	var all []scored
	for _, p := range t.Models {
		d := levenshtein(id, p.ID)
		if strings.HasPrefix(p.ID, id) || strings.HasPrefix(id, p.ID) {
			d /= 2
		}
		all = append(all, scored{p.ID, d})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].id)
	}
	return out
}

// UnknownModelError says a model id is not in the table.
type UnknownModelError struct {
	ID      string
	Nearest []string
}

func (e *UnknownModelError) Error() string {
	return fmt.Sprintf("unknown model %q; nearest known: %s (see `tokenscope prices`, or add it with --prices FILE)", e.ID, strings.Join(e.Nearest, ", "))
}

// MustFind is Lookup with an UnknownModelError naming the nearest ids.
func (t *Table) Find(id string) (*Model, error) {
	if p, ok := t.Lookup(id); ok {
		return p, nil
	}
	return nil, &UnknownModelError{ID: id, Nearest: t.Nearest(id, 3)}
}

// CheaperSiblings are the models of m's provider cheaper than m (a lower
// input price, an output price no higher), the dearest first: what tune
// tries with model= by default, and what a load counts while it has the
// text (the best-strategy finding may price on them).
func (t *Table) CheaperSiblings(m *Model) []*Model {
	var out []*Model
	for _, p := range t.Models {
		if p.Provider == m.Provider && p != m && p.Input < m.Input && p.Output <= m.Output {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Model) int { return int(b.Input - a.Input) })
	return out
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Load reads a price file (tokenscope's YAML or LiteLLM's
// model_prices_and_context_window.json) and returns the embedded table
// extended and overridden by it.
func Load(path string) (*Table, error) {
	return LoadOver(Default(), path)
}

// LoadOver is Load extending base (the embedded table, or it with a
// fetched LiteLLM file) instead of the embedded table.
func LoadOver(base *Table, path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	Default() // a row of the file may re-price an embedded one
	var extra *Table
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "{") && json.Valid(data) {
		extra, err = parseLiteLLM(data, path)
	} else {
		extra, err = ParseYAML(data, path)
	}
	if err != nil {
		return nil, err
	}
	return base.Merge(extra, path), nil
}

// Merge returns a table with the rows of extra added, replacing rows with
// the same id.
func (t *Table) Merge(extra *Table, source string) *Table {
	out := &Table{Date: t.Date, Source: t.Source + " + " + source}
	if extra.Date != "" {
		out.Date = extra.Date
	}
	replaced := map[string]bool{}
	for _, p := range extra.Models {
		replaced[p.ID] = true
	}
	for _, p := range t.Models {
		if !replaced[p.ID] {
			out.Models = append(out.Models, p)
		}
	}
	out.Models = append(out.Models, extra.Models...)
	out.index()
	return out
}

// litellmRow is the part of a LiteLLM price entry tokenscope uses.
type litellmRow struct {
	Input        *float64 `json:"input_cost_per_token"`
	Output       *float64 `json:"output_cost_per_token"`
	CacheRead    *float64 `json:"cache_read_input_token_cost"`
	CacheWrite   *float64 `json:"cache_creation_input_token_cost"`
	CacheWrite1h *float64 `json:"cache_creation_input_token_cost_above_1hr"`
	InputAbove   *float64 `json:"input_cost_per_token_above_200k_tokens"`
	OutputAbove  *float64 `json:"output_cost_per_token_above_200k_tokens"`
	CacheAbove   *float64 `json:"cache_read_input_token_cost_above_200k_tokens"`
	// DeepSeek's rows name their cache-hit price so.
	CacheHit *float64 `json:"input_cost_per_token_cache_hit"`
	// OpenAI's GPT-5.4+ tier starts at 272K.
	InputAbove272  *float64    `json:"input_cost_per_token_above_272k_tokens"`
	OutputAbove272 *float64    `json:"output_cost_per_token_above_272k_tokens"`
	CacheAbove272  *float64    `json:"cache_read_input_token_cost_above_272k_tokens"`
	InputBatch     *float64    `json:"input_cost_per_token_batches"`
	MaxInput       json.Number `json:"max_input_tokens"`
	MaxOutput      json.Number `json:"max_output_tokens"`
	Provider       string      `json:"litellm_provider"`
	Mode           string      `json:"mode"`
	threshold      int64       // of the long-context tier: 200K unless a 272K key gave it
}

// normalise folds LiteLLM's alternative names into the ones read: a
// cache-hit price is a cache read, a 272K tier is the tier.
func (r *litellmRow) normalise() {
	if r.CacheRead == nil {
		r.CacheRead = r.CacheHit
	}
	if r.InputAbove == nil && r.InputAbove272 != nil {
		r.InputAbove, r.OutputAbove, r.CacheAbove = r.InputAbove272, r.OutputAbove272, r.CacheAbove272
		r.threshold = 272000
	}
}

// parseLiteLLM reads LiteLLM's model_prices_and_context_window.json as is:
// chat models with per-token prices become rows; the rest is skipped.
func parseLiteLLM(data []byte, file string) (*Table, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	t := &Table{Date: time.Now().UTC().Format("2006-01-02")}
	embedded := Default()
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if id == "sample_spec" {
			continue
		}
		var r litellmRow
		if err := json.Unmarshal(raw[id], &r); err != nil {
			return nil, fmt.Errorf("%s: $[%q]: %v", file, id, err)
		}
		r.normalise()
		if r.Input == nil || r.Output == nil || (r.Mode != "" && r.Mode != "chat" && r.Mode != "responses") {
			continue
		}
		if own, ok := embedded.Lookup(id); ok {
			// A model the embedded table knows: take LiteLLM's prices
			// only; its caching rule, tokenizer and batch terms stay.
			t.Models = append(t.Models, r.overPrices(own, strings.ToLower(id), file))
			continue
		}
		p := &Model{ID: strings.ToLower(id), Provider: r.Provider, Source: "LiteLLM " + file}
		p.Input, p.Output = PriceFromPerToken(*r.Input), PriceFromPerToken(*r.Output)
		p.CachedInput, p.CacheWrite5m, p.CacheWrite1h = p.Input, p.Input, p.Input
		provider := litellmProvider(r.Provider, id)
		def := Default().providerDefaults(provider)
		p.Provider = provider
		p.Caching = def.Caching
		p.Encoding, p.TokenFactor, p.Exact, p.ImageTokens = def.Encoding, def.TokenFactor, def.Exact, def.ImageTokens
		if enc, ok := tokenize.OpenAIEncoding(id); ok {
			p.Encoding, p.TokenFactor, p.Exact = enc, 1, true
		}
		if r.CacheRead != nil {
			p.CachedInput, p.HasCachedInput = PriceFromPerToken(*r.CacheRead), true
		} else {
			p.Caching.Mode = CachingNone
		}
		if r.CacheWrite != nil {
			p.CacheWrite5m = PriceFromPerToken(*r.CacheWrite)
			p.CacheWrite1h = p.Input * 2
		}
		if r.CacheWrite1h != nil {
			p.CacheWrite1h = PriceFromPerToken(*r.CacheWrite1h)
		}
		p.BatchNum, p.BatchDen = def.BatchNum, def.BatchDen
		if r.InputBatch != nil && p.Input > 0 {
			p.BatchNum, p.BatchDen = int64(PriceFromPerToken(*r.InputBatch)), int64(p.Input)
		}
		if r.InputAbove != nil {
			lc := &LongContext{Threshold: cmp.Or(r.threshold, 200000), Rates: p.Rates}
			lc.Input = PriceFromPerToken(*r.InputAbove)
			if r.OutputAbove != nil {
				lc.Output = PriceFromPerToken(*r.OutputAbove)
			}
			if r.CacheAbove != nil {
				lc.CachedInput = PriceFromPerToken(*r.CacheAbove)
			}
			p.LongContext = lc
		}
		p.ContextWindow, _ = r.MaxInput.Int64()
		p.MaxOutput, _ = r.MaxOutput.Int64()
		t.Models = append(t.Models, p)
	}
	if len(t.Models) == 0 {
		return nil, fmt.Errorf("%s: no chat models with input_cost_per_token and output_cost_per_token", file)
	}
	t.index()
	return t, nil
}

// overPrices returns a copy of own, the embedded row of the same model,
// with the prices r gives: per-token rates, cache rates, the long-context
// tier's rates and the limits; what r leaves out keeps own's value.
func (r *litellmRow) overPrices(own *Model, id, file string) *Model {
	p := *own
	p.ID, p.Aliases, p.Source = id, nil, "LiteLLM "+file+" (caching and tokenizer as "+own.ID+")"
	p.Input, p.Output = PriceFromPerToken(*r.Input), PriceFromPerToken(*r.Output)
	if r.CacheRead != nil {
		p.CachedInput, p.HasCachedInput = PriceFromPerToken(*r.CacheRead), true
	}
	if r.CacheWrite != nil {
		p.CacheWrite5m = PriceFromPerToken(*r.CacheWrite)
	}
	if r.CacheWrite1h != nil {
		p.CacheWrite1h = PriceFromPerToken(*r.CacheWrite1h)
	}
	if r.InputBatch != nil && p.Input > 0 {
		p.BatchNum, p.BatchDen = int64(PriceFromPerToken(*r.InputBatch)), int64(p.Input)
	}
	if own.LongContext != nil {
		lc := *own.LongContext
		if r.InputAbove != nil {
			lc.Input = PriceFromPerToken(*r.InputAbove)
		}
		if r.OutputAbove != nil {
			lc.Output = PriceFromPerToken(*r.OutputAbove)
		}
		if r.CacheAbove != nil {
			lc.CachedInput = PriceFromPerToken(*r.CacheAbove)
		}
		p.LongContext = &lc
	}
	if n, err := r.MaxInput.Int64(); err == nil && n > 0 {
		p.ContextWindow = n
	}
	if n, err := r.MaxOutput.Int64(); err == nil && n > 0 {
		p.MaxOutput = n
	}
	return &p
}

func litellmProvider(p, id string) string {
	switch {
	case strings.Contains(p, "anthropic") || strings.Contains(id, "claude"):
		return "anthropic"
	case strings.Contains(p, "gemini") || strings.Contains(p, "vertex") || strings.Contains(id, "gemini"):
		return "google"
	case strings.Contains(p, "deepseek"):
		return "deepseek"
	case strings.Contains(p, "mistral"):
		return "mistral"
	case p == "xai":
		return "xai"
	case strings.Contains(id, "llama"):
		return "meta"
	}
	return "openai"
}

// providerDefaults returns a representative row's settings for a provider.
func (t *Table) providerDefaults(provider string) *Model {
	for _, p := range t.Models {
		if p.Provider == provider && p.Caching.Mode != CachingNone {
			return p
		}
	}
	for _, p := range t.Models {
		if p.Provider == provider {
			return p
		}
	}
	return &Model{Encoding: tokenize.O200kBase, TokenFactor: 1, BatchNum: 1, BatchDen: 1, Caching: CachingRule{Mode: CachingNone, Granularity: 1}}
}

// Batched returns the rates scaled by the batch multiplier.
func (p *Model) Batched(r Rates) Rates {
	f := func(x Price) Price { return x.Mul(p.BatchNum, p.BatchDen) }
	return Rates{Input: f(r.Input), Output: f(r.Output), CachedInput: f(r.CachedInput), CacheWrite5m: f(r.CacheWrite5m), CacheWrite1h: f(r.CacheWrite1h)}
}
