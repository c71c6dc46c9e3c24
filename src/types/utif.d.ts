declare module "utif" {
  /** One image file directory: tags as `t<number>` arrays; width, height and data after decodeImage. */
  export interface Ifd {
    [tag: `t${number}`]: number[] | string[] | undefined;
    width?: number;
    height?: number;
    data?: Uint8Array;
  }
  export function decode(buffer: ArrayBuffer | Uint8Array): Ifd[];
  export function decodeImage(buffer: ArrayBuffer | Uint8Array, ifd: Ifd, ifds?: Ifd[]): void;
  export function toRGBA8(ifd: Ifd): Uint8Array;
  export function encode(ifds: Record<string, unknown>[]): ArrayBuffer;
}
