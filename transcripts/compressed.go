package transcripts

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Logs are often kept compressed (a proxy's rotated logs, an archive of
// sessions). Gzip, which the standard library reads, is read as if it
// were the file; other compressions are skipped with a warning that says
// so, never silently.

// maxDecompressed bounds what one .gz file may expand to: a small file
// that decompresses without end (a "zip bomb") is refused, not read.
const maxDecompressed = 4 << 30

// otherCompressions are compressions a log may come in that are not read.
var otherCompressions = map[string]string{".zst": "zstd", ".zstd": "zstd", ".bz2": "bzip2", ".xz": "xz", ".lz4": "lz4", ".br": "brotli"}

// logExt returns a path's extension as a log's (.json, .jsonl, .ndjson,
// lower case) under any compression suffix, and that suffix ("" when the
// file is not compressed).
func logExt(p string) (ext, compression string) {
	ext = strings.ToLower(filepath.Ext(p))
	if ext == ".gz" || otherCompressions[ext] != "" {
		compression = ext
		ext = strings.ToLower(filepath.Ext(strings.TrimSuffix(p, filepath.Ext(p))))
	}
	return ext, compression
}

// openLog opens a log file, decompressing a .gz one; close closes both.
func openLog(path string) (r io.Reader, close func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &Error{File: path, Msg: err.Error()}
	}
	if _, c := logExt(path); c != ".gz" {
		return f, f.Close, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, &Error{File: path, Msg: "gzip: " + strings.TrimPrefix(err.Error(), "gzip: ")}
	}
	return &boundedReader{r: zr, left: maxDecompressed, file: path}, func() error { zr.Close(); return f.Close() }, nil
}

// boundedReader fails once more than left bytes were read.
type boundedReader struct {
	r    io.Reader
	left int64
	file string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &Error{File: b.file, Msg: fmt.Sprintf("decompresses to more than %d GiB: refused", maxDecompressed>>30)}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		err = &Error{File: b.file, Msg: "gzip: " + strings.TrimPrefix(err.Error(), "gzip: ")}
	}
	return n, err
}
