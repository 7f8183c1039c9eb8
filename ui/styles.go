package ui

import (
	"image/color"
	"os"

	"charm.land/lipgloss/v2"
)

// partStyle is how one input part is drawn: a colour, and a glyph of its
// own so that parts stay apart under NO_COLOR.
type partStyle struct {
	name  string
	glyph rune
	color color.Color
}

// partStyles lists the parts bottom to top, as the bars stack them.
var partStyles = []partStyle{
	{"unlogged", '▓', lipgloss.Color("#6C6C6C")},
	{"tool_defs", '▒', lipgloss.Color("#AF87FF")},
	{"system", '█', lipgloss.Color("#5F87FF")},
	{"summary", '▚', lipgloss.Color("#FFAF00")},
	{"history", '░', lipgloss.Color("#87AFAF")},
	{"rag", '▞', lipgloss.Color("#00D787")},
	{"user", '▇', lipgloss.Color("#FFFFFF")},
	{"tool_results", '▤', lipgloss.Color("#D7875F")},
	{"overhead", '·', lipgloss.Color("#808080")},
}

var (
	outputGlyph  = '┃'
	outputColor  = lipgloss.Color("#FF5F87")
	outlineGlyph = '╌'
	cachedGlyph  = '≡' // input read from cache, whatever its part
)

// strategyColors colour strategies in the table and the curves.
var strategyColors = []color.Color{
	lipgloss.Color("#FFFFFF"), lipgloss.Color("#5FD7FF"), lipgloss.Color("#FFAF5F"),
	lipgloss.Color("#87D75F"), lipgloss.Color("#D787FF"), lipgloss.Color("#FF5F5F"),
	lipgloss.Color("#FFD75F"), lipgloss.Color("#5FAFAF"), lipgloss.Color("#AFAFFF"),
}

func strategyColor(i int) color.Color { return strategyColors[i%len(strategyColors)] }

// styles are every style of the program, in one place.
type styles struct {
	title, dim, bold, warn, good, bad, selected, pane, paneTitle, key lipgloss.Style
	// noColor is set by NO_COLOR: curves then get a glyph each.
	noColor bool
}

func newStyles() styles {
	return styles{
		title:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#5FD7FF")),
		dim:       lipgloss.NewStyle().Foreground(lipgloss.Color("#808080")),
		bold:      lipgloss.NewStyle().Bold(true),
		warn:      lipgloss.NewStyle().Foreground(lipgloss.Color("#FFAF00")),
		good:      lipgloss.NewStyle().Foreground(lipgloss.Color("#87D75F")),
		bad:       lipgloss.NewStyle().Foreground(lipgloss.Color("#FF5F5F")),
		selected:  lipgloss.NewStyle().Reverse(true),
		pane:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("#5F5F87")),
		paneTitle: lipgloss.NewStyle().Bold(true),
		key:       lipgloss.NewStyle().Foreground(lipgloss.Color("#5FD7FF")),
		noColor:   os.Getenv("NO_COLOR") != "",
	}
}
