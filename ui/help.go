package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// shortHelp is the one-line help in w columns: whole items only, no
// dangling separator, and "? help" always last so that the rest can be
// found when items give way.
func shortHelp(h help.Model, bindings []key.Binding, w int) string {
	h.SetWidth(0)
	if s := h.ShortHelpView(bindings); lipgloss.Width(s) <= w {
		return s
	}
	var rest, tail []key.Binding
	for _, b := range bindings {
		if b.Enabled() && b.Help().Key == "?" {
			tail = append(tail, b)
		} else {
			rest = append(rest, b)
		}
	}
	for n := len(rest); n >= 0; n-- {
		s := h.ShortHelpView(append(rest[:n:n], tail...))
		if lipgloss.Width(s) <= w {
			return s
		}
	}
	return ""
}

// helpPage is the full help under the header: the keys in the columns
// given when they fit in w, else flowed into fewer, longer columns, so no
// key is cut; blank lines around go first when h is short.
func helpPage(h help.Model, header string, groups [][]key.Binding, w, hgt int, closing string) string {
	h.SetWidth(0)
	body := h.FullHelpView(groups)
	if lipgloss.Width(body) > w {
		var all []key.Binding
		for _, g := range groups {
			for _, b := range g {
				if b.Enabled() {
					all = append(all, b)
				}
			}
		}
		for cols := len(groups); cols >= 1; cols-- {
			rows := (len(all) + cols - 1) / cols
			var flowed [][]key.Binding
			for i := 0; i < len(all); i += rows {
				flowed = append(flowed, all[i:min(i+rows, len(all))])
			}
			body = h.FullHelpView(flowed)
			if lipgloss.Width(body) <= w {
				break
			}
		}
	}
	gap := "\n\n"
	if lipgloss.Height(body)+4 > hgt {
		gap = "\n"
	}
	return header + gap + body + gap + closing
}
