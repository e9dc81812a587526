// 2-D convolution for the ResNet encoder, forward and both gradients, by im2col and the built-in
// GEMM (hgc_gemm.c). The wasm backend has a Conv2D and a Conv2DBackpropInput kernel but no
// Conv2DBackpropFilter, so a convolutional network cannot train on it without these.
//
// Layouts are tfjs's: x [N, H, W, C] (NHWC), w [KH, KW, C, O], y [N, OH, OW, O]. With
// K = KH·KW·C and the im2col matrix X [N·OH·OW, K] (row (n, oy, ox), column (kh, kw, c), zero
// where the window reads padding):
//   forward       y  = X · w                 (w read as [K, O])
//   grad input    dX = dy · wᵀ, then dx = col2im(dX) (each window's values added back in place)
//   grad filter   dw = Xᵀ · dy
// The images are cut into chunks of a size that depends on the shapes only, never on the threads,
// and the filter gradient sums the chunks' partial products in chunk order afterwards: the
// numbers are the same for any number of threads. Chunks run on the pool of hgc_pool.c.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hgc_native.h"

// Rows of the im2col matrix per chunk, about: enough for the GEMM to run at speed, small enough
// that a chunk's matrix stays in cache.
#define CHUNK_ROWS 1024

typedef struct {
  const float* x;   // forward, grad filter: the input
  const float* w;   // forward, grad input: the filter
  const float* dy;  // grads: the output gradient
  float* y;         // forward: the output
  float* dx;        // grad input
  float* partial;   // grad filter: one [K, O] product per chunk
  hgc_conv_shape s;
  float* cols;  // one im2col buffer per part (NULL for a pointwise convolution)
  int chunk;    // images per chunk
  int chunks;   // chunks in all
} conv_task;

static int conv_k(const hgc_conv_shape* s) { return s->kh * s->kw * s->c; }

// Images per chunk: CHUNK_ROWS output positions, at least one image.
static int chunk_images(const hgc_conv_shape* s) {
  const int per = s->oh * s->ow;
  const int n = per >= CHUNK_ROWS ? 1 : CHUNK_ROWS / per;
  return n < s->n ? n : s->n;
}

// The im2col rows of images [n0, n0 + count) into cols [count·OH·OW, K].
static void im2col(const float* x, const hgc_conv_shape* s, int n0, int count, float* cols) {
  const int K = conv_k(s);
  const size_t run = (size_t)s->c * sizeof(float);
  float* row = cols;
  for (int n = n0; n < n0 + count; n++) {
    const float* img = x + (size_t)n * s->h * s->w * s->c;
    for (int oy = 0; oy < s->oh; oy++) {
      for (int ox = 0; ox < s->ow; ox++, row += K) {
        float* dst = row;
        for (int ky = 0; ky < s->kh; ky++) {
          const int iy = oy * s->stride - s->pad_top + ky;
          for (int kx = 0; kx < s->kw; kx++, dst += s->c) {
            const int ix = ox * s->stride - s->pad_left + kx;
            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) memset(dst, 0, run);
            else memcpy(dst, img + ((size_t)iy * s->w + ix) * s->c, run);
          }
        }
      }
    }
  }
}

// Add the rows of dcols [count·OH·OW, K] back into dx's images [n0, n0 + count) (zeroed first).
static void col2im(const float* dcols, const hgc_conv_shape* s, int n0, int count, float* dx) {
  const int K = conv_k(s);
  const size_t image = (size_t)s->h * s->w * s->c;
  memset(dx + (size_t)n0 * image, 0, (size_t)count * image * sizeof(float));
  const float* row = dcols;
  for (int n = n0; n < n0 + count; n++) {
    float* img = dx + (size_t)n * image;
    for (int oy = 0; oy < s->oh; oy++) {
      for (int ox = 0; ox < s->ow; ox++, row += K) {
        const float* src = row;
        for (int ky = 0; ky < s->kh; ky++) {
          const int iy = oy * s->stride - s->pad_top + ky;
          for (int kx = 0; kx < s->kw; kx++, src += s->c) {
            const int ix = ox * s->stride - s->pad_left + kx;
            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
            float* dst = img + ((size_t)iy * s->w + ix) * s->c;
            for (int c = 0; c < s->c; c++) dst[c] += src[c];
          }
        }
      }
    }
  }
}

// A 1×1 convolution with stride 1 and no padding reads x itself as the im2col matrix.
static int is_pointwise(const hgc_conv_shape* s) {
  return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad_top == 0 && s->pad_left == 0 && s->oh == s->h && s->ow == s->w;
}

// The im2col matrix of images n0 … n0+count−1: x itself for a pointwise convolution (cols NULL),
// else unfolded into cols. Shared by the forward pass and the filter gradient.
static const float* columns(const conv_task* t, float* cols, int n0, int count) {
  const hgc_conv_shape* s = &t->s;
  if (!cols) return t->x + (size_t)n0 * s->oh * s->ow * conv_k(s);
  im2col(t->x, s, n0, count, cols);
  return cols;
}

static void forward_part(void* arg, int part, int parts) {
  conv_task* t = (conv_task*)arg;
  const hgc_conv_shape* s = &t->s;
  const int K = conv_k(s), per = s->oh * s->ow;
  const int pointwise = is_pointwise(s);
  float* cols = pointwise ? NULL : t->cols + (size_t)part * t->chunk * per * K;
  for (int ch = part; ch < t->chunks; ch += parts) {
    const int n0 = ch * t->chunk;
    const int count = n0 + t->chunk <= s->n ? t->chunk : s->n - n0;
    const float* a = columns(t, cols, n0, count);
    hgc_gemm(0, 0, count * per, s->o, K, 1.0f, a, K, t->w, s->o, t->y + (size_t)n0 * per * s->o, s->o);
  }
}

static void grad_input_part(void* arg, int part, int parts) {
  conv_task* t = (conv_task*)arg;
  const hgc_conv_shape* s = &t->s;
  const int K = conv_k(s), per = s->oh * s->ow;
  const int pointwise = is_pointwise(s);
  float* cols = pointwise ? NULL : t->cols + (size_t)part * t->chunk * per * K;
  for (int ch = part; ch < t->chunks; ch += parts) {
    const int n0 = ch * t->chunk;
    const int count = n0 + t->chunk <= s->n ? t->chunk : s->n - n0;
    const float* dy = t->dy + (size_t)n0 * per * s->o;
    if (pointwise) {
      hgc_gemm(0, 1, count * per, K, s->o, 1.0f, dy, s->o, t->w, s->o, t->dx + (size_t)n0 * per * K, K);
    } else {
      hgc_gemm(0, 1, count * per, K, s->o, 1.0f, dy, s->o, t->w, s->o, cols, K);
      col2im(cols, s, n0, count, t->dx);
    }
  }
}

static void grad_filter_part(void* arg, int part, int parts) {
  conv_task* t = (conv_task*)arg;
  const hgc_conv_shape* s = &t->s;
  const int K = conv_k(s), per = s->oh * s->ow;
  const int pointwise = is_pointwise(s);
  float* cols = pointwise ? NULL : t->cols + (size_t)part * t->chunk * per * K;
  for (int ch = part; ch < t->chunks; ch += parts) {
    const int n0 = ch * t->chunk;
    const int count = n0 + t->chunk <= s->n ? t->chunk : s->n - n0;
    const float* a = columns(t, cols, n0, count);
    hgc_gemm(1, 0, K, s->o, count * per, 1.0f, a, K, t->dy + (size_t)n0 * per * s->o, s->o, t->partial + (size_t)ch * K * s->o, s->o);
  }
}

// Scratch memory kept between calls (the kernels are called from one JS thread, one at a time): the
// im2col buffers and the filter gradient's partial products. Allocating them per call cost the
// step a page fault per new page (a tenth of its time as system time).
static float* scratch[4] = {NULL, NULL, NULL, NULL};
static size_t scratch_len[4] = {0, 0, 0, 0};

static float* scratch_of(int which, size_t len) {
  if (scratch_len[which] < len) {
    float* p = (float*)realloc(scratch[which], len * sizeof(float));
    if (!p) return NULL;
    scratch[which] = p;
    scratch_len[which] = len;
  }
  return scratch[which];
}

// The task's chunking and its im2col buffers (one per thread that may run a part); 0 when out of memory.
static int make_task(const hgc_conv_shape* s, conv_task* t) {
  memset(t, 0, sizeof *t);
  t->s = *s;
  t->chunk = chunk_images(s);
  t->chunks = (s->n + t->chunk - 1) / t->chunk;
  if (is_pointwise(s)) return 1;
  const int threads = hgc_pool_threads();
  const int parts = threads < t->chunks ? threads : t->chunks;
  t->cols = scratch_of(0, (size_t)parts * t->chunk * s->oh * s->ow * conv_k(s));
  return t->cols != NULL;
}

int hgc_conv2d(const float* x, const float* w, float* y, const hgc_conv_shape* s) {
  conv_task t;
  if (!make_task(s, &t)) return 0;
  t.x = x;
  t.w = w;
  t.y = y;
  hgc_pool_run(forward_part, &t, t.chunks);
  return 1;
}

int hgc_conv2d_grad_input(const float* dy, const float* w, float* dx, const hgc_conv_shape* s) {
  conv_task t;
  if (!make_task(s, &t)) return 0;
  t.dy = dy;
  t.w = w;
  t.dx = dx;
  hgc_pool_run(grad_input_part, &t, t.chunks);
  return 1;
}

int hgc_conv2d_grad_filter(const float* x, const float* dy, float* dw, const hgc_conv_shape* s) {
  conv_task t;
  if (!make_task(s, &t)) return 0;
  const size_t size = (size_t)conv_k(s) * s->o;
  t.x = x;
  t.dy = dy;
  t.partial = t.chunks == 1 ? dw : scratch_of(1, (size_t)t.chunks * size);
  if (!t.partial) return 0;
  hgc_pool_run(grad_filter_part, &t, t.chunks);
  if (t.chunks > 1) {
    memcpy(dw, t.partial, size * sizeof(float));
    for (int ch = 1; ch < t.chunks; ch++) {
      const float* p = t.partial + (size_t)ch * size;
      for (size_t i = 0; i < size; i++) dw[i] += p[i];
    }
  }
  return 1;
}

// ---- GroupNorm ---------------------------------------------------------------------------------
//
// x [n, hw, c] (NHWC with the positions flattened), channels in `groups` consecutive groups: each
// (image, group) normalised over its hw·c/groups values, then y = x̂·g[c] + b[c]. Statistics are
// accumulated in double; mean and rstd [n·groups] are kept for the gradient:
//   dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = dy·g, over the group;  dg = Σ dy·x̂, db = Σ dy.
// The composite ops (reshape, two means over non-contiguous axes, broadcasts) cost the ResNet's
// training step more than its convolutions; here each group is two passes over the data.

// Each image is independent, so the images are shared among the pool's threads; within an image
// the NHWC layout keeps a position's channels contiguous, so every pass runs over the image once
// with per-channel accumulators (vectorisable) and the groups are formed from the channel sums.
// The gradient's dg and db are summed per image and then over the images in order, so the bits do
// not depend on the thread count.

typedef struct {
  const float *x, *g, *b, *dy;
  float *y, *mean, *rstd, *dx, *partial;
  float* work; // 8·c floats of accumulators per part (the pool runs at most hgc_pool_threads() parts)
  int n, hw, c, groups;
  float eps;
} gn_task;

static void gn_forward_part(void* arg, int part, int parts) {
  const gn_task* t = (const gn_task*)arg;
  const int hw = t->hw, c = t->c, groups = t->groups, cg = c / groups;
  float* w = t->work + (size_t)part * 8 * c;
  double* sum = (double*)w; // 2·c floats' room
  float *mch = w + 2 * c, *scale = w + 3 * c, *shift = w + 4 * c;
  for (int i = part; i < t->n; i += parts) {
    const float* xi = t->x + (size_t)i * hw * c;
    float* yi = t->y + (size_t)i * hw * c;
    const double count = (double)hw * cg;
    for (int j = 0; j < c; j++) sum[j] = 0;
    for (int p = 0; p < hw; p++) {
      const float* v = xi + (size_t)p * c;
      for (int j = 0; j < c; j++) sum[j] += v[j];
    }
    for (int k = 0; k < groups; k++) {
      double s = 0;
      for (int j = k * cg; j < (k + 1) * cg; j++) s += sum[j];
      const float m = (float)(s / count);
      for (int j = k * cg; j < (k + 1) * cg; j++) mch[j] = m;
      t->mean[i * groups + k] = m;
    }
    for (int j = 0; j < c; j++) sum[j] = 0;
    for (int p = 0; p < hw; p++) {
      const float* v = xi + (size_t)p * c;
      for (int j = 0; j < c; j++) {
        const double d = v[j] - mch[j];
        sum[j] += d * d;
      }
    }
    for (int k = 0; k < groups; k++) {
      double s2 = 0;
      for (int j = k * cg; j < (k + 1) * cg; j++) s2 += sum[j];
      const float r = (float)(1.0 / sqrt(s2 / count + t->eps));
      t->rstd[i * groups + k] = r;
      for (int j = k * cg; j < (k + 1) * cg; j++) {
        scale[j] = r * t->g[j];
        shift[j] = t->b[j] - mch[j] * scale[j];
      }
    }
    for (int p = 0; p < hw; p++) {
      const float* v = xi + (size_t)p * c;
      float* o = yi + (size_t)p * c;
      for (int j = 0; j < c; j++) o[j] = v[j] * scale[j] + shift[j];
    }
  }
}

static void gn_grad_part(void* arg, int part, int parts) {
  const gn_task* t = (const gn_task*)arg;
  const int hw = t->hw, c = t->c, groups = t->groups, cg = c / groups;
  float* w = t->work + (size_t)part * 8 * c;
  float *mch = w, *rch = w + c, *s1 = w + 2 * c, *s2 = w + 3 * c, *m1c = w + 4 * c, *m2c = w + 5 * c;
  for (int i = part; i < t->n; i += parts) {
    const size_t base = (size_t)i * hw * c;
    float* dg = t->partial + (size_t)i * 2 * c;
    float* db = dg + c;
    for (int j = 0; j < c; j++) {
      const int k = j / cg;
      mch[j] = t->mean[i * groups + k];
      rch[j] = t->rstd[i * groups + k];
      s1[j] = s2[j] = dg[j] = db[j] = 0;
    }
    for (int p = 0; p < hw; p++) {
      const float* xp = t->x + base + (size_t)p * c;
      const float* dp = t->dy + base + (size_t)p * c;
      for (int j = 0; j < c; j++) {
        const float xh = (xp[j] - mch[j]) * rch[j], d = dp[j];
        s1[j] += d * t->g[j];
        s2[j] += d * t->g[j] * xh;
        dg[j] += d * xh;
        db[j] += d;
      }
    }
    const double count = (double)hw * cg;
    for (int k = 0; k < groups; k++) {
      double a = 0, b = 0;
      for (int j = k * cg; j < (k + 1) * cg; j++) a += s1[j], b += s2[j];
      for (int j = k * cg; j < (k + 1) * cg; j++) m1c[j] = (float)(a / count), m2c[j] = (float)(b / count);
    }
    for (int p = 0; p < hw; p++) {
      const size_t o = base + (size_t)p * c;
      for (int j = 0; j < c; j++) {
        const float xh = (t->x[o + j] - mch[j]) * rch[j];
        t->dx[o + j] = rch[j] * (t->dy[o + j] * t->g[j] - m1c[j] - xh * m2c[j]);
      }
    }
  }
}

int hgc_group_norm(const float* x, const float* g, const float* b, float* y, float* mean, float* rstd, int n, int hw, int c,
                   int groups, float eps) {
  float* work = scratch_of(3, (size_t)hgc_pool_threads() * 8 * c);
  if (!work) return 0;
  gn_task t = {.x = x, .g = g, .b = b, .y = y, .mean = mean, .rstd = rstd, .work = work, .n = n, .hw = hw, .c = c, .groups = groups, .eps = eps};
  hgc_pool_run(gn_forward_part, &t, n);
  return 1;
}

int hgc_group_norm_grad(const float* dy, const float* x, const float* g, const float* mean, const float* rstd, float* dx, float* dg,
                        float* db, int n, int hw, int c, int groups) {
  float* partial = scratch_of(2, (size_t)n * 2 * c);
  float* work = partial ? scratch_of(3, (size_t)hgc_pool_threads() * 8 * c) : NULL;
  if (!work) return 0;
  gn_task t = {.x = x, .g = g, .dy = dy, .mean = mean, .rstd = rstd, .dx = dx, .partial = partial, .work = work, .n = n, .hw = hw, .c = c, .groups = groups};
  hgc_pool_run(gn_grad_part, &t, n);
  for (int j = 0; j < c; j++) dg[j] = db[j] = 0;
  for (int i = 0; i < n; i++) {
    const float* p = partial + (size_t)i * 2 * c;
    for (int j = 0; j < c; j++) dg[j] += p[j], db[j] += p[c + j];
  }
  return 1;
}
