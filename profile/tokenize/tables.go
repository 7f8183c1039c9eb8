package tokenize

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// The rank tables of the fast tokenizer, laid out as fastBPE searches them
// and embedded as they are: a process that counts a short text finds its
// tables already made instead of parsing 200,000 base64 lines (about 60 ms
// for o200k_base), so `count` and the status line start in milliseconds.
// They are made from tiktoken-go-loader's .tiktoken files by
// TestTablesCurrent -update-tables, which also fails when they differ from
// what those files make.
//
//go:generate go test -run TestTablesCurrent -update-tables
var (
	//go:embed tables/o200k_base.bin
	o200kTables string
	//go:embed tables/cl100k_base.bin
	cl100kTables string
)

// embeddedTables is the embedded table file of an encoding.
func embeddedTables(name string) string {
	switch name {
	case O200kBase:
		return o200kTables
	case CL100kBase:
		return cl100kTables
	}
	return ""
}

// tablesMagic opens a table file; its last byte is the layout's version.
const tablesMagic = "tsbpe\x00\x00\x02"

// longRanks maps pieces that packedRanks does not hold (longer than 8
// bytes, or 8 bytes ending in a byte below 8) to their ranks: an open
// addressing table of entry numbers over one arena of the pieces' bytes,
// keyed by pieceHash, so it can be embedded as it is.
type longRanks struct {
	slots []uint32 // a power of two of them: entry number + 1, 0 for an empty slot
	shift uint     // 64 - log2(len(slots))
	off   []uint32 // entry e's bytes are arena[off[e]:off[e+1]]
	rank  []int32
	arena string
}

// pieceHash is a fixed hash of p (the table is made once and embedded, so
// no per-process seed): 8 bytes at a time, each word mixed by a multiply.
func pieceHash(p string) uint64 {
	h := uint64(len(p)) * 0x9e3779b97f4a7c15
	for len(p) >= 8 {
		h = (h ^ load64(p)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		p = p[8:]
	}
	var w uint64
	for i := len(p) - 1; i >= 0; i-- {
		w = w<<8 | uint64(p[i])
	}
	h = (h ^ w) * 0x94d049bb133111eb
	return h ^ h>>29
}

// buildLongRanks makes the table of pieces with their ranks, in order.
func buildLongRanks(pieces []string, ranks []int32) longRanks {
	size, shift := 1, uint(64)
	for size*5 < len(pieces)*8 {
		size, shift = size*2, shift-1
	}
	t := longRanks{slots: make([]uint32, size), shift: shift, off: make([]uint32, 1, len(pieces)+1), rank: ranks}
	var arena []byte
	for _, p := range pieces {
		arena = append(arena, p...)
		t.off = append(t.off, uint32(len(arena)))
	}
	t.arena = string(arena)
	mask := uint64(size - 1)
	for e, p := range pieces {
		for i := pieceHash(p) >> t.shift; ; i = (i + 1) & mask {
			if t.slots[i] == 0 {
				t.slots[i] = uint32(e) + 1
				break
			}
		}
	}
	return t
}

// find returns the rank of p.
func (t *longRanks) find(p string) (int32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := pieceHash(p) >> t.shift; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e == 0 {
			return 0, false
		}
		if a, b := t.off[e-1], t.off[e]; int(b-a) == len(p) && t.arena[a:b] == p {
			return t.rank[e-1], true
		}
	}
}

// tablesHeader is the table file's header after the magic: section sizes
// in elements. Every section starts 8-aligned.
type tablesHeader struct {
	ShortSlots, ShortShift, LongSlots, LongShift, LongEntries, Arena uint64
}

// marshalTables writes f's tables in the embedded layout (little-endian).
func marshalTables(f *fastBPE) []byte {
	h := tablesHeader{uint64(len(f.short.keys)), uint64(f.short.shift), uint64(len(f.long.slots)),
		uint64(f.long.shift), uint64(len(f.long.rank)), uint64(len(f.long.arena))}
	b := []byte(tablesMagic)
	b, _ = binary.Append(b, binary.LittleEndian, h)
	pad := func() {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
	}
	for _, section := range []any{f.short.keys, f.short.ranks, f.long.slots, f.long.off, f.long.rank, f.pairs[:]} {
		b, _ = binary.Append(b, binary.LittleEndian, section)
		pad()
	}
	b = append(b, f.long.arena...)
	return b
}

// viewTables makes a fastBPE whose tables are the bytes of data, a table
// file, without copying them where data is 8-aligned (embedded data is
// read-only: the tables are never written). It refuses data of another
// layout or on a big-endian machine, where the caller parses the
// .tiktoken file instead.
func viewTables(name, data string) (*fastBPE, error) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		return nil, errors.New("big-endian machine")
	}
	if len(data) < len(tablesMagic)+48 || data[:len(tablesMagic)] != tablesMagic {
		return nil, errors.New("not a table file of this layout")
	}
	if uintptr(unsafe.Pointer(unsafe.StringData(data)))%8 != 0 {
		// Copy into 8-aligned memory.
		buf := make([]uint64, (len(data)+7)/8)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(data)), data)
		data = unsafe.String((*byte)(unsafe.Pointer(&buf[0])), len(data))
	}
	var h tablesHeader
	if _, err := binary.Decode([]byte(data[len(tablesMagic):len(tablesMagic)+48]), binary.LittleEndian, &h); err != nil {
		return nil, err
	}
	at := len(tablesMagic) + 48
	take := func(n, size uint64) (unsafe.Pointer, error) {
		end := uint64(at) + n*size
		if end > uint64(len(data)) {
			return nil, fmt.Errorf("%s tables: cut short", name)
		}
		p := unsafe.Pointer(unsafe.StringData(data[at:]))
		at = int((end + 7) &^ 7)
		return p, nil
	}
	var ptrs [6]unsafe.Pointer
	for i, sec := range [6][2]uint64{{h.ShortSlots, 8}, {h.ShortSlots, 4}, {h.LongSlots, 4}, {h.LongEntries + 1, 4}, {h.LongEntries, 4}, {1 << 16, 4}} {
		p, err := take(sec[0], sec[1])
		if err != nil {
			return nil, err
		}
		ptrs[i] = p
	}
	if uint64(at)+h.Arena != uint64(len(data)) {
		return nil, fmt.Errorf("%s tables: %d bytes, want %d", name, len(data), uint64(at)+h.Arena)
	}
	f := &fastBPE{o200k: name == O200kBase}
	f.short = packedRanks{keys: unsafe.Slice((*uint64)(ptrs[0]), h.ShortSlots),
		ranks: unsafe.Slice((*int32)(ptrs[1]), h.ShortSlots), shift: uint(h.ShortShift)}
	f.long = longRanks{slots: unsafe.Slice((*uint32)(ptrs[2]), h.LongSlots), shift: uint(h.LongShift),
		off: unsafe.Slice((*uint32)(ptrs[3]), h.LongEntries+1), rank: unsafe.Slice((*int32)(ptrs[4]), h.LongEntries),
		arena: data[at:]}
	f.pairs = (*[1 << 16]int32)(ptrs[5])
	return f, nil
}
