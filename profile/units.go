package profile

import (
	"sort"

	"github.com/tokenscope/tokenscope/profile/strategy"
)

// findUnits splits the conversation into units, the pieces history is
// cut in: between user prompts a unit is an exchange; inside an exchange
// each assistant message that calls tools starts a unit (the tool round:
// the call and its results). In an agent session one prompt leads to
// dozens of calls, so cutting only at prompts would keep everything. Each
// call's unit is the one holding the message just before it: the unit a
// step must keep for the call to make sense. It also lists tool uses.
func (pc *preparedConv) findUnits() {
	msgs := pc.sk.msgs
	pc.Units = pc.Units[:0]
	ex := 0
	for i := range msgs {
		for ex < len(pc.Exchanges) && pc.Exchanges[ex] < i {
			ex++
		}
		if (ex < len(pc.Exchanges) && pc.Exchanges[ex] == i) ||
			(msgs[i].is(codeAssistant) && msgs[i].flags&flagCalls != 0) {
			pc.Units = append(pc.Units, i)
		}
	}
	if len(pc.Units) == 0 || pc.Units[0] != 0 {
		pc.Units = append([]int{0}, pc.Units...)
	}
	for i := range pc.Calls {
		pc.Calls[i].Unit = max(sort.SearchInts(pc.Units, pc.Calls[i].Msg)-1, 0)
	}
	pc.findToolUses()
}

// findToolUses lists tool results in order, each with the assistant
// message whose call it answers (by id, else the nearest earlier one).
func (pc *preparedConv) findToolUses() {
	sk := pc.sk
	pc.Uses = pc.Uses[:0]
	for i := range sk.msgs {
		if m := &sk.msgs[i]; m.is(codeTool) {
			pc.Uses = append(pc.Uses, strategy.ToolUse{Res: i, Call: int(m.call), Arg: int(m.arg), Name: sk.names[m.name]})
		}
	}
}
