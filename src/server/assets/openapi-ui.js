// Starts Swagger UI on the API reference page. A file, not an inline script: the CSP allows scripts from 'self' only.
const root = document.getElementById('swagger-ui')
window.ui = SwaggerUIBundle({
  url: root.dataset.spec,
  dom_id: '#swagger-ui',
  deepLinking: true,
  // Same-origin requests carry the session cookie: "Try it out" works for a signed-in browser.
  withCredentials: true,
})
