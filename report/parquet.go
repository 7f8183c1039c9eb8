package report

import (
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// rowGroup is the number of rows in a Parquet row group: what the writer
// holds in memory at most.
const rowGroup = 64 << 10

// parquetSink writes Rows to a Parquet file, a batch at a time.
type parquetSink struct {
	w     *parquet.GenericWriter[Row]
	batch []Row
	// null holds the batch's optional values; the writer copies them.
	null [1024]nullable
}

// NewParquet returns the sink of `--format parquet`.
func NewParquet(w io.Writer) Sink {
	return &parquetSink{
		w: parquet.NewGenericWriter[Row](w, parquet.MaxRowsPerRowGroup(rowGroup),
			parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
			parquet.CreatedBy("tokenscope", "", "")),
		batch: make([]Row, 0, 1024),
	}
}

func (s *parquetSink) Begin(*Header) error { return nil }

func (s *parquetSink) Strategy(int) error { return nil }

func (s *parquetSink) Call(c *Call) error {
	s.batch = append(s.batch, rowInto(c, &s.null[len(s.batch)]))
	if len(s.batch) == cap(s.batch) {
		return s.flush()
	}
	return nil
}

func (s *parquetSink) flush() error {
	_, err := s.w.Write(s.batch)
	s.batch = s.batch[:0]
	return err
}

func (s *parquetSink) End() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.w.Close()
}
