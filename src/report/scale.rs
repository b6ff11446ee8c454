//! Charts at a higher pixel density: a drawing-backend wrapper that scales every coordinate,
//! line width, marker radius and font size by one factor, so a chart laid out at W x H pixels
//! is drawn as the same picture at (W x s) x (H x s) (`hwcost plot --scale`).
//!
//! Why a wrapper: plotters lays charts out in pixels (label areas, margins, font sizes), so a
//! larger canvas alone gives a different, sparser chart with the same small text. Wrapped, the
//! chart code keeps drawing in its layout pixels; this backend reports the layout size to it
//! and multiplies on the way to the real backend. Text is measured by plotters at the layout
//! size (the font scales linearly), and the real backend draws it at the scaled size.

use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::Pos;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontFamily,
    FontStyle, FontTransform,
};

/// `inner` seen as a canvas `scale` times smaller than it is.
pub struct Scaled<B> {
    inner: B,
    scale: f64,
}

impl<B> Scaled<B> {
    /// `scale` must be positive and finite (checked by the callers that take it from users).
    pub fn new(inner: B, scale: f64) -> Self {
        Scaled { inner, scale }
    }

    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (
            (x as f64 * self.scale).round() as i32,
            (y as f64 * self.scale).round() as i32,
        )
    }

    fn len(&self, v: u32) -> u32 {
        ((v as f64 * self.scale).round() as u32).max(1)
    }

    fn style<S: BackendStyle>(&self, s: &S) -> Stroke {
        Stroke {
            color: s.color(),
            width: self.len(s.stroke_width()),
        }
    }
}

/// A colour with a scaled stroke width.
struct Stroke {
    color: BackendColor,
    width: u32,
}

impl BackendStyle for Stroke {
    fn color(&self) -> BackendColor {
        self.color
    }
    fn stroke_width(&self) -> u32 {
        self.width
    }
}

/// A text style at `scale` times its size; everything else is the wrapped style's. Backends
/// that render text themselves (SVG, [`super::raster::GlyphText`]) read the size from here;
/// `draw` (plotters' own rasterizer, which the charts never reach) keeps the original size.
struct ScaledText<'a, T> {
    inner: &'a T,
    scale: f64,
}

impl<T: BackendTextStyle> BackendTextStyle for ScaledText<'_, T> {
    type FontError = T::FontError;

    fn color(&self) -> BackendColor {
        self.inner.color()
    }
    fn size(&self) -> f64 {
        self.inner.size() * self.scale
    }
    fn transform(&self) -> FontTransform {
        self.inner.transform()
    }
    fn style(&self) -> FontStyle {
        self.inner.style()
    }
    fn anchor(&self) -> Pos {
        self.inner.anchor()
    }
    fn family(&self) -> FontFamily<'_> {
        self.inner.family()
    }
    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
        let ((x0, y0), (x1, y1)) = self.inner.layout_box(text)?;
        let s = |v: i32| (v as f64 * self.scale).round() as i32;
        Ok(((s(x0), s(y0)), (s(x1), s(y1))))
    }
    fn draw<E, DrawFunc: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        pos: BackendCoord,
        draw: DrawFunc,
    ) -> Result<Result<(), E>, Self::FontError> {
        self.inner.draw(text, pos, draw)
    }
}

impl<B: DrawingBackend> DrawingBackend for Scaled<B> {
    type ErrorType = B::ErrorType;

    /// The layout size: the real canvas divided by the scale.
    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (
            (w as f64 / self.scale).round() as u32,
            (h as f64 / self.scale).round() as u32,
        )
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    /// A layout pixel is a scale x scale square.
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (x0, y0) = self.at(point);
        let (x1, y1) = self.at((point.0 + 1, point.1 + 1));
        if x1 - x0 <= 1 && y1 - y0 <= 1 {
            return self.inner.draw_pixel((x0, y0), color);
        }
        self.inner
            .draw_rect((x0, y0), (x1 - 1, y1 - 1), &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let (a, b) = (self.at(from), self.at(to));
        self.inner.draw_line(a, b, &s)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let (a, b) = (self.at(upper_left), self.at(bottom_right));
        self.inner.draw_rect(a, b, &s, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let pts: Vec<BackendCoord> = path.into_iter().map(|p| self.at(p)).collect();
        self.inner.draw_path(pts, &s)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let (c, r) = (self.at(center), self.len(radius));
        self.inner.draw_circle(c, r, &s, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let pts: Vec<BackendCoord> = vert.into_iter().map(|p| self.at(p)).collect();
        self.inner.fill_polygon(pts, &s)
    }

    /// Nearest-neighbour upscaling of an RGB bitmap.
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (sw, sh) = (self.len(w), self.len(h));
        let mut out = Vec::with_capacity(sw as usize * sh as usize * 3);
        for y in 0..sh {
            let yy = ((y as f64 / self.scale) as u32).min(h.saturating_sub(1));
            for x in 0..sw {
                let xx = ((x as f64 / self.scale) as u32).min(w.saturating_sub(1));
                let i = 3 * (yy as usize * w as usize + xx as usize);
                out.extend_from_slice(src.get(i..i + 3).unwrap_or(&[255, 255, 255]));
            }
        }
        let p = self.at(pos);
        self.inner.blit_bitmap(p, (sw, sh), &out)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let scaled = ScaledText {
            inner: style,
            scale: self.scale,
        };
        let p = self.at(pos);
        self.inner.draw_text(text, &scaled, p)
    }

    /// Text measured at the layout size, as the chart lays it out.
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let ((x0, y0), (x1, y1)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        Ok(((x1 - x0) as u32, (y1 - y0) as u32))
    }
}
