/** GET /assets/:name from the embedded map (see ../assets.ts); anything else is a 404. */
import { Elysia } from "elysia";
import { AppError } from "../../core/errors.ts";
import { IMMUTABLE_CACHE } from "../../api/security/headers.ts";
import { assetUrl, findAsset } from "../assets.ts";

export const assetRoutes = () =>
  new Elysia({ name: "web.assets" })
    .get("/assets/:name", ({ params }) => {
      const asset = findAsset(params.name);
      if (!asset) throw new AppError("not_found", "no such asset");
      return new Response(asset.body, { headers: { "content-type": asset.type, "cache-control": IMMUTABLE_CACHE } });
    })
    .get("/favicon.ico", () => new Response(null, { status: 302, headers: { location: assetUrl("favicon.svg") } }));
