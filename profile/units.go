package profile

import (
	"sort"
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
	pc.units = pc.units[:0]
	ex := 0
	for i := range msgs {
		for ex < len(pc.exchanges) && pc.exchanges[ex] < i {
			ex++
		}
		if (ex < len(pc.exchanges) && pc.exchanges[ex] == i) ||
			(msgs[i].is(codeAssistant) && msgs[i].flags&flagCalls != 0) {
			pc.units = append(pc.units, i)
		}
	}
	if len(pc.units) == 0 || pc.units[0] != 0 {
		pc.units = append([]int{0}, pc.units...)
	}
	for i := range pc.calls {
		pc.calls[i].unit = max(sort.SearchInts(pc.units, pc.calls[i].msg)-1, 0)
	}
	pc.findToolUses()
}

// toolUse is one tool result and the call it answers.
type toolUse struct {
	res  int    // the tool message
	call int    // the assistant message that made the call (-1 when not found)
	arg  int    // index of the call in that message's ToolCalls
	name string // the tool's name
}

// findToolUses lists tool results in order, each with the assistant
// message whose call it answers (by id, else the nearest earlier one).
func (pc *preparedConv) findToolUses() {
	sk := pc.sk
	pc.uses = pc.uses[:0]
	for i := range sk.msgs {
		if m := &sk.msgs[i]; m.is(codeTool) {
			pc.uses = append(pc.uses, toolUse{res: i, call: int(m.call), arg: int(m.arg), name: sk.names[m.name]})
		}
	}
}
