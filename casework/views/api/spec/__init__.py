"""The OpenAPI document of the JSON API, generated rather than written: the answers are
pydantic models (``records``, ``accounts``, ``reports``) through which the endpoints build
them, the request bodies and query parameters come from the forms that read them (``forms``),
and the paths, methods and path parameters from the application's URL map (``document``);
``operations`` adds what only words can say: a summary, and which answers each call gives."""
