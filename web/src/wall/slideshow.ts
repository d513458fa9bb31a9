/** A photo as the wall shows it. */
export interface WallPhoto {
  id: string;
  url: string;
}

/** The wall keeps the newest this many photos, however many arrive in an evening: its memory stays flat. */
export const MAX_PHOTOS = 100;
/** How long each photo stays up while nothing new arrives. */
export const SLIDE_MS = 8_000;
/** How long a new arrival stays up at least before the next new one (a burst plays through at this pace). */
export const FRESH_MS = 4_000;
/** At most this many new arrivals wait their turn to come up. */
const FRESH_MAX = 12;
/** At most this many photos missed during a drop come up as new; the rest join the rotation. */
const MISSED_MAX = 10;
/** A photo that does not load within this is skipped. */
const LOAD_TIMEOUT_MS = 10_000;

/** Resolves once the image is loaded and decoded (true), or failed or timed out (false); the Image is then let go. */
function preload(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const img = new Image();
    const timer = setTimeout(() => resolve(false), LOAD_TIMEOUT_MS);
    img.src = url;
    img.decode().then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

/**
 * What the wall shows and when: new arrivals first, in the order they came,
 * each up at least FRESH_MS; otherwise the newest photos in turn, SLIDE_MS
 * each. A photo goes up once it has loaded, so the screen is never blank
 * between two photos.
 */
export class Slideshow {
  /** Newest first, at most MAX_PHOTOS. */
  private photos: WallPhoto[] = [];
  /** When each photo pushed by the server arrived (a list read that started earlier does not know it yet). */
  private readonly arrivedAt = new Map<string, number>();
  /** Arrivals not shown yet, oldest first. */
  private fresh: string[] = [];
  private current: WallPhoto | null = null;
  private shownAt = 0;
  private currentIsFresh = false;
  private loading = false;
  private stopped = false;
  /** The first list was read. */
  private loaded = false;
  /** Photos whose image did not load: skipped until the next list brings fresh links. */
  private failed = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly onShow: (photo: WallPhoto | null, held: number) => void) {
    this.timer = setInterval(() => this.tick(), 500);
  }

  /** A photo the server just pushed: it goes up next. */
  arrive(photo: WallPhoto): void {
    this.photos = [photo, ...this.photos.filter((p) => p.id !== photo.id)];
    this.arrivedAt.set(photo.id, Date.now());
    if (!this.fresh.includes(photo.id)) this.fresh.push(photo.id);
    // A burst of a hundred would keep the screen minutes behind: the newest FRESH_MAX come up first, the rest join the rotation.
    if (this.fresh.length > FRESH_MAX) this.fresh = this.fresh.slice(-FRESH_MAX);
    this.trim();
    this.tick();
  }

  /**
   * The list as the server has it now (newest first). Photos pushed after the
   * read started stay; any other photo missing from it (hidden, deleted)
   * leaves at once, from the screen too.
   */
  replace(list: readonly WallPhoto[], readStartedAt: number): void {
    const listed = new Set(list.map((p) => p.id));
    this.failed.clear();
    // Shown while the socket was down: new to this screen, so up next as if pushed (not on the first read).
    if (this.loaded) {
      const known = new Set(this.photos.map((p) => p.id));
      const missed = list.filter((p) => !known.has(p.id)).slice(0, MISSED_MAX).reverse();
      for (const p of missed) if (!this.fresh.includes(p.id)) this.fresh.push(p.id);
    }
    this.loaded = true;
    const newer = this.photos.filter((p) => !listed.has(p.id) && (this.arrivedAt.get(p.id) ?? 0) > readStartedAt);
    this.photos = [...newer, ...list];
    this.trim();
    if (this.current && !this.photos.some((p) => p.id === this.current!.id)) {
      this.current = null;
      this.onShow(null, this.photos.length);
    }
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private trim(): void {
    this.photos = this.photos.slice(0, MAX_PHOTOS);
    const kept = new Set(this.photos.map((p) => p.id));
    this.fresh = this.fresh.filter((id) => kept.has(id));
    for (const id of this.arrivedAt.keys()) if (!kept.has(id)) this.arrivedAt.delete(id);
  }

  private tick(): void {
    if (this.loading || this.stopped) return;
    const now = Date.now();
    if (this.fresh.length > 0 && (!this.currentIsFresh || now - this.shownAt >= FRESH_MS)) {
      const id = this.fresh.shift()!;
      const photo = this.photos.find((p) => p.id === id);
      if (photo) void this.go(photo, true);
      return;
    }
    if (this.current && now - this.shownAt < SLIDE_MS) return;
    const playable = this.photos.filter((p) => !this.failed.has(p.id));
    if (playable.length === 0) return;
    const at = this.current ? playable.findIndex((p) => p.id === this.current!.id) : -1;
    const next = playable[(at + 1) % playable.length]!;
    if (next.id === this.current?.id) {
      this.shownAt = now;
      return;
    }
    void this.go(next, false);
  }

  private async go(photo: WallPhoto, fresh: boolean): Promise<void> {
    this.loading = true;
    const loaded = await preload(photo.url);
    this.loading = false;
    if (this.stopped) return;
    if (!loaded) this.failed.add(photo.id);
    // Hidden while it loaded, or unloadable: not shown.
    if (!loaded || !this.photos.some((p) => p.id === photo.id)) {
      this.tick();
      return;
    }
    this.current = photo;
    this.shownAt = Date.now();
    this.currentIsFresh = fresh;
    this.onShow(photo, this.photos.length);
  }
}
