package price

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// LiteLLMURL is where `tokenscope prices update` fetches LiteLLM's price
// file from unless told otherwise.
const LiteLLMURL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"

// cachedPricesFile is the fetched LiteLLM file in the user cache directory;
// cachedPricesMeta says where and when it was fetched.
const (
	cachedPricesFile = "model_prices_and_context_window.json"
	cachedPricesMeta = "model_prices_fetched.json"
)

// CacheDir is the directory `tokenscope prices update` writes to:
// tokenscope/ under the user cache directory (os.UserCacheDir).
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "tokenscope"), nil
}

// fetchedMeta is the record kept beside a fetched file.
type fetchedMeta struct {
	URL     string `json:"url"`
	Fetched string `json:"fetched"` // RFC 3339, UTC
}

// StoreLiteLLM checks data as a LiteLLM price file and keeps it in dir with
// where (url) and when (now) it was fetched; the table it makes is
// returned. Nothing is written when data is not a usable price file.
func StoreLiteLLM(dir string, data []byte, url string, now time.Time) (*Table, error) {
	extra, err := parseLiteLLM(data, url)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	meta, _ := json.Marshal(fetchedMeta{URL: url, Fetched: now.UTC().Format(time.RFC3339)})
	if err := writeAtomic(filepath.Join(dir, cachedPricesFile), data); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, cachedPricesMeta), append(meta, '\n')); err != nil {
		return nil, err
	}
	extra.Date = now.UTC().Format("2006-01-02")
	return Default().Merge(extra, litellmName(now.UTC().Format("2006-01-02"))), nil
}

func litellmName(date string) string {
	return "LiteLLM (fetched " + date + ")"
}

// writeAtomic replaces path with data, never leaving half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Cached is the embedded table with the LiteLLM file that `tokenscope
// prices update` kept in dir read over it, dated the day it was fetched;
// the embedded table alone when there is none. A kept file that no longer
// reads is an error naming it (the user can update again or delete it).
func Cached(dir string) (*Table, error) {
	path := filepath.Join(dir, cachedPricesFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return Default(), nil
	}
	if err != nil {
		return nil, err
	}
	var meta fetchedMeta
	if b, err := os.ReadFile(filepath.Join(dir, cachedPricesMeta)); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	date := ""
	if t, err := time.Parse(time.RFC3339, meta.Fetched); err == nil {
		date = t.UTC().Format("2006-01-02")
	} else if info, err := os.Stat(path); err == nil {
		date = info.ModTime().UTC().Format("2006-01-02")
	}
	extra, err := parseLiteLLM(data, path)
	if err != nil {
		return nil, fmt.Errorf("%w (fetched by `tokenscope prices update`: run it again or delete the file)", err)
	}
	extra.Date = date
	return Default().Merge(extra, litellmName(date)), nil
}
