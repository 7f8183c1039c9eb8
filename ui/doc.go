// Package ui is tokenscope's Bubble Tea programs.
//
// The main program (New, Run) is a root Model that routes messages
// between pages: the conversations page (listPage) lists what a source
// holds; the session page (sessionPage) shows where one conversation's
// money goes and what each strategy would do, with the chat of live mode
// (livePage) as one of its panes; the advisor panes (advisorPage: findings
// and tune), the levers (leversPage), the model picker and the strategy
// menu are drawn over it; help and warnings (infoPage) over everything.
// Each page has its own Update, View, SetSize and KeyMap; the root holds
// what they share (the source read, the strategies and model, the status)
// and joins the header, the page and the menu into the screen.
//
// The watch program (NewWatch, RunWatch) follows running agent sessions.
package ui
