// Package ui is tokenscope's Bubble Tea program: the panes that show where a
// conversation's money goes and what each strategy would do.
package ui
